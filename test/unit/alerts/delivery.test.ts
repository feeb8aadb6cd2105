// Delivery to a real HTTP receiver on 127.0.0.1 with hand-moved timers: every message verified by the
// `standardwebhooks` package; retries, backoff, Retry-After, dead letters, timeouts, the queue bound, the rate
// limit, redirects, the SSRF guard and address pinning, and close.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliverySettings } from '../../../src/alerts/delivery.js';
import { EMPTY_ALLOW_LIST, parseAllowList, type Resolve } from '../../../src/alerts/destination.js';
import type { Notification } from '../../../src/alerts/notification.js';
import { createSlackSink, createWebhookSink } from '../../../src/alerts/sinks.js';
import { parseSecrets } from '../../../src/alerts/standard-webhooks.js';
import {
  FakeTimers,
  outcomeLog,
  sampleNotification,
  settle,
  startReceiver,
  type Answer,
  type Received,
} from './helpers.js';

const secret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const local = (() => {
  const r = parseAllowList(['127.0.0.1/32']);
  if (!r.ok) throw new Error(r.detail);
  return r.allow;
})();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  answers?: Answer[];
  settings?: Partial<DeliverySettings>;
  secrets?: string[];
  random?: () => number;
  url?: (receiverUrl: string, port: number) => string;
  allow?: typeof local;
  resolve?: Resolve;
}

async function setup(o: Setup = {}) {
  const timers = new FakeTimers();
  const receiver = await startReceiver(timers, o.answers ?? []);
  const log = outcomeLog();
  const secrets = o.secrets ?? [secret()];
  const keys = parseSecrets(secrets);
  if (!keys.ok) throw new Error(keys.detail);
  const sink = createWebhookSink(
    {
      name: 'hook',
      url: o.url?.(receiver.url, receiver.port) ?? receiver.url,
      keys: keys.keys,
      allow: o.allow ?? local,
      settings: { minIntervalMs: 0, ...o.settings },
    },
    {
      timers,
      onOutcome: log.onOutcome,
      ...(o.random ? { random: o.random } : {}),
      ...(o.resolve ? { resolve: o.resolve } : {}),
    },
  );
  cleanups.push(
    () => receiver.close(),
    () => sink.close(),
  );
  return { timers, receiver, log, sink, secret: secrets[0]! };
}

const webhookHeadersOf = (h: IncomingHttpHeaders): Record<string, string> => ({
  'webhook-id': String(h['webhook-id']),
  'webhook-timestamp': String(h['webhook-timestamp']),
  'webhook-signature': String(h['webhook-signature']),
});
const verify = (s: string, r: Received): unknown => new Webhook(s).verify(r.body, webhookHeadersOf(r.headers));
const incidentOf = (r: Received): string => (JSON.parse(r.body) as Notification).incident.id;

describe('webhook delivery', () => {
  it('delivers the notification as JSON, signed so the reference library verifies it', async () => {
    const { receiver, log, sink, secret: s } = await setup();
    const n = sampleNotification();
    sink.enqueue(n);
    await log.until('delivered');
    const r = receiver.received[0]!;
    expect(verify(s, r)).toEqual(JSON.parse(JSON.stringify(n)));
    expect(r.body).toBe(JSON.stringify(n));
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['webhook-id']).toMatch(/^msg_/);
    expect(log.all.map((x) => [x.sink, x.outcome])).toEqual([['hook', 'delivered']]);
  });

  it('key rotation: every configured secret signs; a removed one does not verify; a tampered body fails', async () => {
    const [removed, previous, current] = [secret(), secret(), secret()];
    const { receiver, log, sink } = await setup({ secrets: [previous, current] });
    sink.enqueue(sampleNotification());
    await log.until('delivered');
    const r = receiver.received[0]!;
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verify(current, r)).not.toThrow();
    expect(() => verify(previous, r)).not.toThrow();
    expect(() => verify(removed, r)).toThrow(/No matching signature/);
    const tampered = { ...r, body: r.body.replace('"count":12', '"count":13') };
    expect(tampered.body).not.toBe(r.body);
    expect(() => verify(current, tampered)).toThrow(/No matching signature/);
  });

  it('retries after 500s with full-jitter backoff, under one webhook-id, then delivers', async () => {
    const base = 1000;
    const {
      timers,
      receiver,
      log,
      sink,
      secret: s,
    } = await setup({
      answers: [{ status: 500 }, { status: 500 }, { status: 204 }],
      settings: { attempts: 5, baseDelayMs: base, maxDelayMs: 60_000 },
      // real jitter, kept off 0 so each wait is a timer the test can see
      random: () => 0.01 + 0.98 * Math.random(),
    });
    sink.enqueue(sampleNotification());
    await log.until('retried', 1);
    const [d1] = timers.pending;
    expect(timers.pending).toHaveLength(1);
    expect(d1).toBeGreaterThan(0);
    expect(d1).toBeLessThan(base);
    timers.advance(d1! - 1);
    await settle();
    expect(receiver.received).toHaveLength(1);
    timers.advance(1);
    await log.until('retried', 2);
    const [d2] = timers.pending;
    expect(d2).toBeGreaterThan(0);
    expect(d2).toBeLessThan(2 * base);
    timers.advance(d2!);
    await log.until('delivered');
    const [r0, r1, r2] = receiver.received;
    expect(r1!.at - r0!.at).toBe(d1);
    expect(r2!.at - r1!.at).toBe(d2);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    for (const r of receiver.received) expect(() => verify(s, r)).not.toThrow();
    expect(r2!.headers['webhook-timestamp']).toBe(String(Math.floor(r2!.at / 1000)));
    expect(log.count('retried')).toBe(2);
  });

  it('honours Retry-After on a 429', async () => {
    const { timers, receiver, log, sink } = await setup({
      answers: [{ status: 429, headers: { 'retry-after': '7' } }, { status: 204 }],
      settings: { baseDelayMs: 100 },
    });
    sink.enqueue(sampleNotification());
    await log.until('retried');
    expect(timers.pending).toEqual([7000]);
    timers.advance(6999);
    await settle();
    expect(receiver.received).toHaveLength(1);
    timers.advance(1);
    await log.until('delivered');
    expect(receiver.received[1]!.at - receiver.received[0]!.at).toBe(7000);
  });

  it('a 400 is not retried: the message is a dead letter, listed, and re-sent under the same id', async () => {
    const { timers, receiver, log, sink, secret: s } = await setup({ answers: [{ status: 400 }, { status: 204 }] });
    const n = sampleNotification();
    sink.enqueue(n);
    const info = await log.until('dead');
    expect(timers.pending).toEqual([]);
    timers.advance(60_000);
    await settle();
    expect(receiver.received).toHaveLength(1);
    const id = String(receiver.received[0]!.headers['webhook-id']);
    expect(info).toEqual({ id, detail: 'status 400' });
    const letters = sink.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ id, sink: 'hook', attempts: 1, reason: 'status 400', notification: n });
    expect(Date.parse(letters[0]!.at)).toBe(timers.now() - 60_000);
    expect(sink.resend('msg_unknown')).toBe(false);
    expect(sink.resend(id)).toBe(true);
    expect(sink.deadLetters()).toEqual([]);
    await log.until('delivered');
    expect(receiver.received[1]!.headers['webhook-id']).toBe(id);
    expect(() => verify(s, receiver.received[1]!)).not.toThrow();
    expect(sink.resend(id)).toBe(false);
  });

  it('keeps at most deadLetterMax dead letters, the newest', async () => {
    const { log, sink } = await setup({
      answers: [400, 400, 400].map((status) => ({ status })),
      settings: { deadLetterMax: 2 },
    });
    for (const id of ['a', 'b', 'c']) sink.enqueue(sampleNotification({ id }));
    await log.until('dead', 3);
    expect(sink.deadLetters().map((d) => d.notification.incident.id)).toEqual(['b', 'c']);
    expect(sink.stats().deadLetters).toBe(2);
  });

  it('after the last attempt the message is dead', async () => {
    const { receiver, log, sink } = await setup({
      answers: [{ status: 500 }, { status: 503 }, { status: 204 }],
      settings: { attempts: 2, baseDelayMs: 1 },
      random: () => 0,
    });
    sink.enqueue(sampleNotification());
    await log.until('dead');
    await settle();
    expect(receiver.received).toHaveLength(2);
    expect(sink.deadLetters()[0]).toMatchObject({ attempts: 2, reason: 'status 503' });
    expect(log.all.map((x) => x.outcome)).toEqual(['retried', 'dead']);
  });

  it('a redirect is not followed and counts as a failure', async () => {
    const elsewhere = await startReceiver(new FakeTimers());
    cleanups.push(() => elsewhere.close());
    const { receiver, log, sink } = await setup({
      answers: [{ status: 302, headers: { location: elsewhere.url } }],
    });
    sink.enqueue(sampleNotification());
    const info = await log.until('dead');
    await settle();
    expect(info.detail).toBe('status 302 (redirect not followed)');
    expect(receiver.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('a receiver that never answers times out; enqueue meanwhile returns at once', async () => {
    const { timers, receiver, log, sink } = await setup({
      answers: ['hang'],
      settings: { timeoutMs: 5000, baseDelayMs: 1000 },
      random: () => 0.5,
    });
    sink.enqueue(sampleNotification({ id: 'first' }));
    const hung = await receiver.request(0);
    expect(sink.enqueue(sampleNotification({ id: 'second' }))).toBeUndefined();
    expect(sink.stats()).toEqual({ queued: 1, inFlight: true, deadLetters: 0 });
    timers.advance(4999);
    await settle();
    expect(log.all).toEqual([]);
    timers.advance(1);
    expect((await log.until('retried')).detail).toBe('timeout');
    await hung.abandoned;
    expect(timers.pending).toEqual([500]);
    timers.advance(500);
    await log.until('delivered', 2);
    expect(receiver.received.map(incidentOf)).toEqual(['first', 'first', 'second']);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(hung.headers['webhook-id']);
  });

  it('the queue is bounded: when full, the oldest waiting message is dropped and counted', async () => {
    const { receiver, log, sink } = await setup({ answers: ['hang'], settings: { queueMax: 2 } });
    sink.enqueue(sampleNotification({ id: 'a' }));
    await receiver.request(0);
    for (const id of ['b', 'c', 'd']) sink.enqueue(sampleNotification({ id }));
    expect(log.all.map((x) => [x.outcome, x.info.detail])).toEqual([['dropped', 'queue full']]);
    expect(sink.stats().queued).toBe(2);
    receiver.release();
    await log.until('delivered', 3);
    expect(receiver.received.map(incidentOf)).toEqual(['a', 'c', 'd']);
    const dropped = log.all.find((x) => x.outcome === 'dropped')!.info.id;
    expect(receiver.received.map((r) => r.headers['webhook-id'])).not.toContain(dropped);
  });

  it('connects to the checked address: one lookup per attempt, Host kept, no second resolution', async () => {
    const lookups: string[] = [];
    const resolve: Resolve = (host) => {
      lookups.push(host);
      // the system resolver does not know this name: a delivery proves the connection used this answer
      return Promise.resolve(host === 'alerts.example.test' ? [{ address: '127.0.0.1', family: 4 }] : []);
    };
    const {
      receiver,
      log,
      sink,
      secret: s,
    } = await setup({
      resolve,
      url: (_u, port) => `http://alerts.example.test:${port}/hook?x=1`,
    });
    sink.enqueue(sampleNotification());
    await Promise.race([log.until('delivered'), log.until('retried')]);
    expect(log.all.map((x) => x.outcome)).toEqual(['delivered']);
    const r = receiver.received[0]!;
    expect(r.headers.host).toBe(`alerts.example.test:${receiver.port}`);
    expect(r.url).toBe('/hook?x=1');
    expect(() => verify(s, r)).not.toThrow();
    expect(lookups).toEqual(['alerts.example.test']);
  });

  it('over TLS too: the pinned address, SNI of the URL`s host name, and the certificate checked', async () => {
    const names: string[] = [];
    const tls = (f: string): Buffer => readFileSync(new URL(`../../vectors/alerts/tls/${f}`, import.meta.url));
    const context = createSecureContext({ key: tls('self-signed-key.pem'), cert: tls('self-signed-cert.pem') });
    const server = createHttpsServer({
      SNICallback: (name, cb) => {
        names.push(name);
        cb(null, context);
      },
    });
    server.on('request', (_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const resolve: Resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const { log, sink } = await setup({ resolve, url: () => `https://alerts.example.test:${port}/hook` });
    sink.enqueue(sampleNotification());
    const info = await log.until('retried');
    expect(names).toEqual(['alerts.example.test']);
    // the receiver's certificate is no one's: verified and refused, not waved through
    expect(info.detail).toMatch(/SELF_SIGNED/);
  });

  it('refuses a private destination not in the allow list: never sent, not retried, a dead letter', async () => {
    const { timers, receiver, log, sink } = await setup({ allow: EMPTY_ALLOW_LIST });
    sink.enqueue(sampleNotification());
    const info = await log.until('refused');
    await settle();
    expect(info.detail).toBe('forbidden_address: 127.0.0.1 is loopback (127.0.0.0/8)');
    expect(receiver.received).toHaveLength(0);
    expect(timers.pending).toEqual([]);
    expect(sink.deadLetters()[0]!.reason).toBe(info.detail);
    expect(log.all.map((x) => x.outcome)).toEqual(['refused']);
  });

  it('a failed lookup is retried', async () => {
    const resolve: Resolve = () => Promise.reject(Object.assign(new Error('nope'), { code: 'EAI_AGAIN' }));
    const { log, sink } = await setup({ resolve, url: () => 'http://alerts.example.test/hook', random: () => 0.5 });
    sink.enqueue(sampleNotification());
    expect((await log.until('retried')).detail).toBe('dns: alerts.example.test: EAI_AGAIN');
  });

  it('close stops the retry timer and drops what is left; nothing is taken after it', async () => {
    const { timers, log, sink } = await setup({ answers: [{ status: 500 }], random: () => 0.5 });
    sink.enqueue(sampleNotification());
    await log.until('retried');
    expect(timers.pending).toHaveLength(1);
    await sink.close();
    expect(timers.pending).toEqual([]);
    expect(log.count('dropped')).toBe(1);
    sink.enqueue(sampleNotification());
    expect(log.count('dropped')).toBe(2);
    expect(sink.resend('anything')).toBe(false);
  });

  it('close before the first attempt drops the queued message, counted', async () => {
    const { receiver, log, sink } = await setup();
    sink.enqueue(sampleNotification({ id: 'a' }));
    await sink.close();
    await settle();
    expect(log.all.map((x) => x.outcome)).toEqual(['dropped']);
    expect(receiver.received).toHaveLength(0);
  });

  it('close drops the message in flight and every queued one, each counted', async () => {
    const { receiver, log, sink } = await setup({ answers: ['hang'] });
    sink.enqueue(sampleNotification({ id: 'a' }));
    const hung = await receiver.request(0);
    sink.enqueue(sampleNotification({ id: 'b' }));
    sink.enqueue(sampleNotification({ id: 'c' }));
    await sink.close();
    await hung.abandoned;
    expect(log.all.map((x) => [x.outcome, x.info.detail])).toEqual([
      ['dropped', 'sink closed'],
      ['dropped', 'sink closed'],
      ['dropped', 'sink closed'],
    ]);
    expect(sink.stats()).toEqual({ queued: 0, inFlight: false, deadLetters: 0 });
  });

  it('close with a flush time delivers what is queued first', async () => {
    const { receiver, log, sink } = await setup();
    sink.enqueue(sampleNotification({ id: 'a' }));
    sink.enqueue(sampleNotification({ id: 'b' }));
    await sink.close(5000);
    expect(receiver.received.map(incidentOf)).toEqual(['a', 'b']);
    expect(log.all.map((x) => x.outcome)).toEqual(['delivered', 'delivered']);
  });
});

describe('slack delivery', () => {
  it('sends Slack bodies no faster than one a second', async () => {
    const timers = new FakeTimers();
    const receiver = await startReceiver(timers, [{ status: 200 }, { status: 200 }]);
    const log = outcomeLog();
    const sink = createSlackSink(
      { name: 'slack', url: receiver.url, allow: local },
      { timers, onOutcome: log.onOutcome },
    );
    cleanups.push(
      () => receiver.close(),
      () => sink.close(),
    );
    sink.enqueue(sampleNotification({ id: 'a', subject: 'user:<!channel>' }));
    sink.enqueue(sampleNotification({ id: 'b' }));
    await log.until('delivered');
    timers.advance(999);
    await settle(100);
    expect(receiver.received).toHaveLength(1);
    timers.advance(1);
    await log.until('delivered', 2);
    const [a, b] = receiver.received;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1000);
    const body = JSON.parse(a!.body) as { text: string; blocks: { type: string; text: { text: string } }[] };
    expect(body.blocks.every((x) => x.type === 'section')).toBe(true);
    expect(a!.body).toContain('&lt;!channel&gt;');
    expect(a!.body).not.toContain('<!channel>');
    expect(a!.headers['webhook-signature']).toBeUndefined();
  });
});

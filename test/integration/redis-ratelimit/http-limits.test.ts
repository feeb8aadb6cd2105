// Rate tiers through real HTTP (memory store): 429 with Retry-After and RateLimit headers, tiers by API key,
// tightening for a TTL, and in-flight slots released on every way a request ends.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { request } from 'undici';
import { FakeClock } from '../../../src/core/clock.js';
import type { RateControl } from '../../../src/ratelimit/control.js';
import { sha256Hex } from '../../../src/identity/api-keys.js';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, svgAnswer, type Behaviour, type TestUpstream } from '../../helpers/upstream.js';

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = null;
  up = null;
});

const ROUTES = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 4096
    content_types: [application/json]
    response_timeout_ms: 400
  - name: health
    methods: [GET]
    path: /health
`;

const LIMITS = `identity:
  api_keys:
    keys:
      - { sha256: ${sha256Hex('premium-key')}, user: paula, tier: premium }
rate_limits:
  tiers:
    anonymous:
      in_flight: 2
      limits:
        - { name: per_minute, algorithm: gcra, rate: 2, period_s: 60, burst: 2 }
        - { name: compilations_per_hour, algorithm: sliding_window, limit: 3, window_s: 3600, routes: [compile] }
    premium:
      in_flight: 10
      limits:
        - { name: per_minute, algorithm: gcra, rate: 100, period_s: 60, burst: 50 }
    suspicious:
      in_flight: 1
      limits:
        - { name: per_minute, algorithm: gcra, rate: 1, period_s: 60, burst: 1 }
`;

/** The tests read reason codes from the refusal bodies: the client is told them whatever the shipped default. */
const DISCLOSE = `refusals:
  disclose: codes
`;

const TRUST = '  trusted_proxies: [127.0.0.1/32]';
const BODY = '{"tikz_code":"\\\\draw (0,0);"}';

async function start(behaviour: Behaviour = svgAnswer, clock = new FakeClock(1_800_000_000_000)) {
  up = await startUpstream(behaviour);
  t = await startTestGateway(baseConfig(up.url, ROUTES + LIMITS + DISCLOSE, TRUST), { clock });
  return {
    clock,
    control: t.gw.resources.get<RateControl>('ratelimit.control', () => {
      throw new Error('no rate control');
    }),
  };
}

const get = (ip: string, headers: Record<string, string> = {}) =>
  request(`${t!.url}/health`, { headers: { 'x-forwarded-for': ip, ...headers } });
const compile = (ip: string) =>
  request(`${t!.url}/compile`, {
    method: 'POST',
    headers: { 'x-forwarded-for': ip, 'content-type': 'application/json' },
    body: BODY,
  });

async function settle(cond: () => boolean, ms = 3_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe('rate limits over HTTP', () => {
  it('over the limit: 429 with Retry-After, RateLimit-Policy and RateLimit; other clients untouched', async () => {
    await start();
    const policy = '"per_minute";q=2;w=60;pc-burst=2';
    for (let i = 0; i < 2; i++) {
      const ok = await get('192.0.2.1');
      await ok.body.dump();
      expect(ok.statusCode).toBe(200);
    }
    const c = await get('192.0.2.1');
    expect(c.statusCode).toBe(429);
    expect(c.headers['retry-after']).toBe('30');
    expect(c.headers['ratelimit-policy']).toBe(policy);
    expect(c.headers.ratelimit).toBe('"per_minute";r=0;t=30');
    expect(((await c.body.json()) as { reasons: string[] }).reasons).toEqual(['rate:anonymous:per_minute']);
    const d = await get('192.0.2.2');
    await d.body.dump();
    expect(d.statusCode).toBe(200);
  });

  it('allowed responses carry RateLimit-Policy and RateLimit (headers_on_success)', async () => {
    await start();
    const a = await get('192.0.2.6');
    await a.body.dump();
    expect(a.statusCode).toBe(200);
    expect(a.headers['ratelimit-policy']).toBe('"per_minute";q=2;w=60;pc-burst=2');
    expect(a.headers.ratelimit).toBe('"per_minute";r=1;t=30');
    const b = await get('192.0.2.6');
    await b.body.dump();
    expect(b.headers.ratelimit).toBe('"per_minute";r=0;t=30');
  });

  it('the compile route also counts against the compilation quota, and RateLimit names the policy that refused', async () => {
    const { clock } = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await compile('192.0.2.3');
      statuses.push(r.statusCode);
      if (i === 3) {
        expect(r.headers['ratelimit-policy']).toBe(
          '"per_minute";q=2;w=60;pc-burst=2, "compilations_per_hour";q=3;w=3600',
        );
        expect(String(r.headers.ratelimit)).toMatch(/^"compilations_per_hour";r=0;t=\d+$/);
        expect(((await r.body.json()) as { reasons: string[] }).reasons).toEqual([
          'rate:anonymous:compilations_per_hour',
        ]);
      } else {
        await r.body.dump();
      }
      clock.advance(31_000); // the per-minute rate never binds here
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('an API key puts its user in its tier; a wrong key is 401', async () => {
    await start();
    for (let i = 0; i < 10; i++) {
      const r = await get('192.0.2.4', { 'x-api-key': 'premium-key' });
      await r.body.dump();
      expect(r.statusCode).toBe(200);
    }
    const bad = await get('192.0.2.4', { 'x-api-key': 'premium-kez' });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toContain('ApiKey');
    await bad.body.dump();
  });

  it('tighten moves a client to the suspicious tier for the TTL, then back', async () => {
    const { clock, control } = await start();
    await control.overrides.tighten('192.0.2.5', 'suspicious', 120_000);
    const first = await get('192.0.2.5');
    await first.body.dump();
    expect(first.statusCode).toBe(200);
    const second = await get('192.0.2.5');
    expect(second.statusCode).toBe(429);
    expect(second.headers['ratelimit-policy']).toBe('"per_minute";q=1;w=60;pc-burst=1');
    expect(((await second.body.json()) as { reasons: string[] }).reasons).toEqual(['rate:suspicious:per_minute']);
    clock.advance(120_001);
    // Back to anonymous. Counters are keyed by limit name, not tier, so usage carries across a tier change
    // (tightening never hands out a fresh budget); 120 s later this one has drained: a burst of 2 again.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await get('192.0.2.5');
      statuses.push(r.statusCode);
      await r.body.dump();
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('in-flight caps over HTTP', () => {
  /** An upstream that holds every request until told how to end it. */
  function holdingUpstream() {
    const held: Array<{ res: import('node:http').ServerResponse; req: import('node:http').IncomingMessage }> = [];
    // GETs are answered at once; compile requests wait for the test.
    const behaviour: Behaviour = (req, res) =>
      req.method === 'GET' ? svgAnswer(req, res, Buffer.alloc(0)) : void held.push({ req, res });
    return { held, behaviour };
  }

  it('the cap refuses the next request with 429, and a finished request frees its slot', async () => {
    const h = holdingUpstream();
    const { control } = await start(h.behaviour);
    const inflight = [compile('192.0.2.10'), compile('192.0.2.10')];
    expect(await settle(() => h.held.length === 2)).toBe(true);
    expect(control.inflight.held('192.0.2.10')).toBe(2);
    const third = await compile('192.0.2.10');
    expect(third.statusCode).toBe(429);
    expect(((await third.body.json()) as { reasons: string[] }).reasons).toEqual(['rate:anonymous:in_flight']);
    for (const x of h.held.splice(0)) svgAnswer(x.req, x.res, Buffer.alloc(0));
    for (const r of await Promise.all(inflight)) await r.body.dump();
    expect(await settle(() => control.inflight.total === 0)).toBe(true);
  });

  it('no slot leaks however a request ends: done, client abort, upstream reset, upstream timeout, later refusals', async () => {
    const h = holdingUpstream();
    const { control, clock } = await start(h.behaviour);
    const ip = '192.0.2.11';

    // 1. client abort while the upstream holds the request
    const sock = net.connect(Number(new URL(t!.url).port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(
      `POST /compile HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${ip}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    );
    expect(await settle(() => h.held.length === 1)).toBe(true);
    expect(control.inflight.held(ip)).toBe(1);
    sock.destroy();
    expect(await settle(() => control.inflight.total === 0), 'after client abort').toBe(true);
    h.held.splice(0).forEach((x) => x.res.destroy());

    // 2. upstream resets the connection (502)
    clock.advance(60_000);
    const reset = compile(ip);
    expect(await settle(() => h.held.length === 1)).toBe(true);
    h.held.splice(0).forEach((x) => x.req.socket.destroy());
    const r2 = await reset;
    expect(r2.statusCode).toBe(502);
    await r2.body.dump();
    expect(await settle(() => control.inflight.total === 0), 'after upstream reset').toBe(true);

    // 3. upstream never answers (504 after the route's 400 ms)
    clock.advance(60_000);
    const r3 = await compile(ip);
    expect(r3.statusCode).toBe(504);
    await r3.body.dump();
    expect(await settle(() => control.inflight.total === 0), 'after upstream timeout').toBe(true);
    h.held.splice(0).forEach((x) => x.res.destroy());

    // 4. refused after the slot was taken: by the rate limit (429) and by the body phase (415)
    clock.advance(3_600_000);
    const rateRefused: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = get(ip);
      const r = await p;
      rateRefused.push(r.statusCode);
      await r.body.dump();
    }
    expect(rateRefused).toEqual([200, 200, 429]);
    const wrongType = await request(`${t!.url}/compile`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '192.0.2.12', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(wrongType.statusCode).toBe(415);
    await wrongType.body.dump();
    expect(await settle(() => control.inflight.total === 0), 'after refusals').toBe(true);

    // 5. many clients, mixed endings, at once
    clock.advance(3_600_000);
    const all = Array.from({ length: 40 }, (_, i) =>
      compile(`198.51.100.${i % 8}`).then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      }),
    );
    await settle(() => h.held.length >= 16);
    h.held
      .splice(0)
      .forEach((x, i) => (i % 3 === 0 ? x.req.socket.destroy() : svgAnswer(x.req, x.res, Buffer.alloc(0))));
    const codes = await Promise.all(all);
    expect(codes.every((c) => [200, 429, 502].includes(c))).toBe(true);
    expect(await settle(() => control.inflight.total === 0), 'after the mixed batch').toBe(true);
  });
});

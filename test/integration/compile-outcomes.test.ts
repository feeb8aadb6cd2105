// Compile outcomes through a real gateway and a scripted upstream: trusted headers read and stripped, ignored
// headers, malformed ones counted, failures the gateway sees itself (timeout, reset, too large, client gone),
// the tier label, and where events are written. The real compile service: compile-outcomes-tex.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { SignJWT } from 'jose';
import type http from 'node:http';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const BODY = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

/** The shared compile route with a `compile:` block (YAML lines at the route's key indent). */
function routes(compile: string, routeExtra = ''): string {
  const block = compile
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return `${COMPILE_ROUTE.replace('    max_batch_items: 3\n', `    max_batch_items: 3\n${routeExtra}    compile:\n${block}\n`)}refusals:
  disclose: codes
`;
}

/** An upstream that answers like a compile service: status, outcome headers, after a delay. */
function answering(status: number, headers: Record<string, string | string[]>, delayMs = 0) {
  return (_q: http.IncomingMessage, res: http.ServerResponse) => {
    setTimeout(() => {
      const isSvg = status === 200;
      const body = isSvg ? SVG : '{"error":"compile failed"}';
      res.writeHead(status, {
        'content-type': isSvg ? 'image/svg+xml' : 'application/json',
        'content-length': Buffer.byteLength(body),
        ...headers,
      });
      res.end(body);
    }, delayMs);
  };
}

const TRUSTED_OK = { 'x-compile-outcome': 'ok', 'x-compile-wall-ms': '412', 'x-compile-cpu-ms': '380' };

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = null;
  up = null;
});

async function post(headers: Record<string, string> = {}) {
  const res = await request(`${t!.url}/compile`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: BODY,
  });
  const text = await res.body.text();
  return { res, text, id: String(res.headers['x-request-id']) };
}

/** The event of one request (the log phase runs on the response's 'close', just after the client has it). */
async function eventOf(id: string): Promise<SecurityEvent> {
  return vi.waitFor(
    () => {
      const ev = t!.events.find((e) => e.request_id === id);
      if (ev === undefined) throw new Error(`no event for ${id} yet`);
      return ev;
    },
    { timeout: 3000, interval: 10 },
  );
}

const outcomes = (labels: Record<string, string>) =>
  metric(t!.adminUrl, 'portcullis_compile_outcomes_total', { route: 'compile', ...labels });

describe('compile outcomes: trusted headers', () => {
  it('reads the outcome, wall and CPU from the headers, strips them from the answer, and reports them', async () => {
    up = await startUpstream(answering(200, TRUSTED_OK));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust')));
    const { res, text, id } = await post();
    expect(res.statusCode).toBe(200);
    expect(text).toBe(SVG);
    for (const h of Object.keys(TRUSTED_OK)) expect(res.headers[h]).toBeUndefined();

    const ev = await eventOf(id);
    expect(ev.decision).toBe('allow');
    expect(ev.compile).toEqual({ outcome: 'ok', wall_ms: 412, cpu_ms: 380, source: 'headers', header_problem: null });
    expect(await outcomes({ tier: 'anonymous', outcome: 'ok' })).toBe(1);
    const secs = { route: 'compile', tier: 'anonymous' };
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_sum', { ...secs, kind: 'wall' })).toBeCloseTo(0.412);
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_sum', { ...secs, kind: 'cpu' })).toBeCloseTo(0.38);
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_bucket', { ...secs, kind: 'wall', le: '0.25' })).toBe(
      0,
    );
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_bucket', { ...secs, kind: 'wall', le: '0.5' })).toBe(1);
    // Every outcome of every configured tier exists from the first compile on (rate() sees the first failure).
    expect(
      (await (await fetch(`${t.adminUrl}/metrics`)).text()).match(/^portcullis_compile_outcomes_total\{/gm),
    ).toHaveLength(5 * 8);
    expect(await outcomes({ tier: 'premium', outcome: 'memory' })).toBe(0);
  });

  it.each([
    [422, 'tex_error'],
    [504, 'timeout'],
    [500, 'memory'],
    [502, 'too_large'],
  ] as const)('status %i with outcome %s: the header names it', async (status, outcome) => {
    up = await startUpstream(answering(status, { ...TRUSTED_OK, 'x-compile-outcome': outcome }));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust')));
    const { res, id } = await post();
    expect(res.statusCode).toBe(status); // the service's answer is forwarded as it is
    expect((await eventOf(id)).compile).toMatchObject({ outcome, source: 'headers', wall_ms: 412, cpu_ms: 380 });
    expect(await outcomes({ outcome })).toBe(1);
  });

  it('malformed, inconsistent or missing headers are not believed: inferred, and counted by problem', async () => {
    const answers: Array<[number, Record<string, string | string[]>]> = [
      [200, { 'x-compile-outcome': 'OK', 'x-compile-wall-ms': '1' }], // not the exact token
      [200, { 'x-compile-outcome': 'ok', 'x-compile-wall-ms': '1e9' }],
      [200, { 'x-compile-outcome': 'ok', 'x-compile-wall-ms': ['1', '2'] }], // repeated
      [200, { 'x-compile-outcome': 'ok', 'x-compile-wall-ms': '99999999999' }], // absurd
      [500, { 'x-compile-outcome': 'ok', 'x-compile-wall-ms': '1' }], // a failure labelled ok
      [200, {}],
    ];
    let i = 0;
    up = await startUpstream((q, r) => answering(...answers[i++]!, 30)(q, r));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust')));
    const seen = [];
    for (let n = 0; n < answers.length; n++) {
      const { res, id } = await post();
      expect(res.headers['x-compile-outcome']).toBeUndefined();
      seen.push((await eventOf(id)).compile);
    }
    expect(seen.map((c) => [c!.outcome, c!.source, c!.header_problem, c!.cpu_ms])).toEqual([
      ['ok', 'inferred', 'malformed', null],
      ['ok', 'inferred', 'malformed', null],
      ['ok', 'inferred', 'malformed', null],
      ['ok', 'inferred', 'malformed', null],
      ['error', 'inferred', 'inconsistent', null],
      ['ok', 'inferred', 'missing', null],
    ]);
    for (const c of seen) expect(c!.wall_ms).toBeGreaterThanOrEqual(30); // the gateway's own measure
    const problems = (problem: string) =>
      metric(t!.adminUrl, 'portcullis_compile_header_problems_total', { route: 'compile', problem });
    expect([await problems('malformed'), await problems('inconsistent'), await problems('missing')]).toEqual([4, 1, 1]);
    expect(await outcomes({ outcome: 'ok' })).toBe(5);
    expect(await outcomes({ outcome: 'error' })).toBe(1);
  });
});

describe('compile outcomes: inferred', () => {
  it('ignores the headers unless trusted: the status and the measured time decide, the headers are still stripped', async () => {
    up = await startUpstream(answering(200, { ...TRUSTED_OK, 'x-compile-outcome': 'memory' }, 120));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: ignore')));
    const { res, id } = await post();
    expect(res.headers['x-compile-outcome']).toBeUndefined();
    const c = (await eventOf(id)).compile!;
    expect(c).toMatchObject({ outcome: 'ok', source: 'inferred', cpu_ms: null, header_problem: null });
    expect(c.wall_ms).toBeGreaterThanOrEqual(120);
    expect(c.wall_ms).toBeLessThan(2000);
    expect(await metric(t.adminUrl, 'portcullis_compile_header_problems_total')).toBe(0);
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_count', { kind: 'cpu' })).toBe(0);
  });

  it.each([
    [422, 'tex_error'],
    [504, 'timeout'],
    [507, 'memory'],
    [502, 'too_large'],
    [400, 'rejected'],
    [500, 'error'],
  ] as const)('status %i means %s', async (status, outcome) => {
    up = await startUpstream(answering(status, {}));
    t = await startTestGateway(baseConfig(up.url, routes('{}')));
    const { id } = await post();
    expect((await eventOf(id)).compile).toMatchObject({ outcome, source: 'inferred' });
    expect(await outcomes({ outcome })).toBe(1);
  });

  it('strip_headers: false lets the client see them', async () => {
    up = await startUpstream(answering(200, TRUSTED_OK));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust\nstrip_headers: false')));
    const { res } = await post();
    expect(res.headers['x-compile-outcome']).toBe('ok');
    expect(res.headers['x-compile-cpu-ms']).toBe('380');
  });
});

describe('compile outcomes: failures the gateway sees', () => {
  it('an upstream timeout is outcome timeout, with the time the gateway waited', async () => {
    up = await startUpstream(() => undefined); // never answers
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust', '    response_timeout_ms: 300\n')));
    const { res, text, id } = await post();
    expect(res.statusCode).toBe(504);
    expect(JSON.parse(text).reasons).toEqual(['upstream:timeout']);
    const ev = await eventOf(id);
    expect(ev.decision).toBe('error');
    expect(ev.compile).toMatchObject({ outcome: 'timeout', source: 'inferred', cpu_ms: null, header_problem: null });
    expect(ev.compile!.wall_ms).toBeGreaterThanOrEqual(300);
    expect(await outcomes({ outcome: 'timeout' })).toBe(1);
    expect(await metric(t.adminUrl, 'portcullis_compile_header_problems_total')).toBe(0); // nothing to read
  });

  it('a reset is error; an answer over the cap is too_large; one cut after its headers is error', async () => {
    let n = 0;
    up = await startUpstream((req, res) => {
      n++;
      if (n === 1) req.socket.destroy();
      else if (n === 2) answering(200, { ...TRUSTED_OK, 'content-length': '5000' })(req, res);
      else {
        res.writeHead(200, { 'content-type': 'image/svg+xml', ...TRUSTED_OK });
        res.write('<svg');
        setTimeout(() => req.socket.destroy(), 50);
      }
    });
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust', '    max_response_bytes: 1000\n')));
    const a = await post();
    expect(a.res.statusCode).toBe(502);
    expect((await eventOf(a.id)).compile!.outcome).toBe('error');
    const b = await post();
    expect(b.res.statusCode).toBe(502);
    expect((await eventOf(b.id)).compile!.outcome).toBe('too_large');
    // The answer started (headers said ok) and was cut: the client did not get that compile.
    const c = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    await expect(c.body.text()).rejects.toThrow();
    const cid = String(c.headers['x-request-id']);
    expect((await eventOf(cid)).compile).toMatchObject({ outcome: 'error', source: 'inferred' });
    expect(await outcomes({ outcome: 'error' })).toBe(2);
  });

  it('a client that leaves before the answer: aborted', async () => {
    up = await startUpstream(answering(200, TRUSTED_OK, 1000));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust')));
    const ac = new AbortController();
    const pending = request(`${t.url}/compile`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: BODY,
      signal: ac.signal,
    }).catch(() => null);
    await vi.waitFor(() => expect(up!.received).toHaveLength(1), { timeout: 3000, interval: 10 });
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await pending;
    const ev = await vi.waitFor(
      () => {
        expect(t!.events).toHaveLength(1);
        return t!.events[0]!;
      },
      { timeout: 3000, interval: 10 },
    );
    expect(ev.status).toBe(499);
    expect(ev.compile).toMatchObject({ outcome: 'aborted', source: 'inferred' });
    expect(ev.compile!.wall_ms).toBeGreaterThanOrEqual(100);
    expect(await outcomes({ outcome: 'aborted' })).toBe(1);
  });
});

describe('compile outcomes: answers buffered for SVG inspection', () => {
  it('the outcome is read where the whole answer is judged; the wall runs to its end', async () => {
    up = await startUpstream(answering(200, TRUSTED_OK, 80));
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: ignore', '    svg: { mode: enforce }\n')));
    const { res, text, id } = await post();
    expect(res.statusCode).toBe(200);
    expect(text).toBe(SVG);
    expect(res.headers['x-compile-wall-ms']).toBeUndefined();
    const c = (await eventOf(id)).compile!;
    expect(c).toMatchObject({ outcome: 'ok', source: 'inferred' });
    expect(c.wall_ms).toBeGreaterThanOrEqual(80);
  });

  it('an SVG the inspection refuses was still an ok compile: both are in the event', async () => {
    const bad = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    up = await startUpstream((_q, res) => {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'content-length': Buffer.byteLength(bad), ...TRUSTED_OK });
      res.end(bad);
    });
    t = await startTestGateway(baseConfig(up.url, routes('outcome_headers: trust', '    svg: { mode: enforce }\n')));
    const { res, text, id } = await post();
    expect(res.statusCode).toBe(502);
    expect(text).not.toContain('alert');
    expect(res.headers['x-compile-outcome']).toBeUndefined();
    const ev = await eventOf(id);
    expect(ev.decision).not.toBe('allow');
    expect(ev.compile).toEqual({ outcome: 'ok', wall_ms: 412, cpu_ms: 380, source: 'headers', header_problem: null });
    expect(await outcomes({ outcome: 'ok' })).toBe(1);
  });
});

describe('compile outcomes: labels and events', () => {
  it('the tier label is the identity tier when configured, else other', async () => {
    const secret = 'a-test-secret-of-at-least-32-bytes!!';
    up = await startUpstream(answering(200, TRUSTED_OK));
    t = await startTestGateway(
      baseConfig(
        up.url,
        `${routes('outcome_headers: trust')}identity:
  jwt: { enabled: true, algorithms: [HS256], hs256_secret: "${secret}" }
`,
      ),
    );
    const token = (tier: string) =>
      new SignJWT({ tier })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));
    const a = await post({ authorization: `Bearer ${await token('premium')}` });
    const b = await post({ authorization: `Bearer ${await token('gold')}` });
    expect((await eventOf(a.id)).tier).toBe('premium');
    expect((await eventOf(b.id)).tier).toBe('gold'); // the event says what the token said
    expect(await outcomes({ tier: 'premium', outcome: 'ok' })).toBe(1);
    expect(await outcomes({ tier: 'other', outcome: 'ok' })).toBe(1); // the metric stays bounded
    expect(await metric(t.adminUrl, 'portcullis_compile_outcomes_total', { tier: 'gold' })).toBe(0);
  });

  it('events: failures writes none for an ok compile, one for a failure; metrics count both', async () => {
    let n = 0;
    up = await startUpstream((q, r) => answering(n++ === 0 ? 200 : 422, {})(q, r));
    t = await startTestGateway(baseConfig(up.url, routes('events: failures')));
    const a = await post();
    const b = await post();
    expect((await eventOf(b.id)).compile!.outcome).toBe('tex_error');
    expect(t.events.find((e) => e.request_id === a.id)).toBeUndefined();
    expect(await outcomes({ outcome: 'ok' })).toBe(1);
  });

  it('routes without compile: no outcome, no event, no series', async () => {
    up = await startUpstream(answering(200, TRUSTED_OK));
    t = await startTestGateway(baseConfig(up.url, `${COMPILE_ROUTE}`));
    const { res } = await post();
    expect(res.headers['x-compile-outcome']).toBe('ok'); // nothing stripped where nothing is configured
    await new Promise((r) => setTimeout(r, 50));
    expect(t.events).toEqual([]);
    expect(await metric(t.adminUrl, 'portcullis_compile_outcomes_total')).toBe(0);
  });
});

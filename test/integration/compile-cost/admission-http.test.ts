// Budgets and admission through a real gateway and a scripted compile service: the 429 a spent budget gets
// (headers, not charged for refusals), and the compile slot given back whichever way a request ends (answered,
// client gone while compiling or while waiting, upstream reset).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type http from 'node:http';
import { baseConfig, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

/** slow: answers after 600 ms; reset: cuts the connection; else at once. Each states 1500 ms of CPU. */
function behaviour(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const text = body.toString('utf8');
  if (text.includes('% reset')) {
    req.socket.destroy();
    return;
  }
  const answer = () => {
    if (res.destroyed) return;
    res.writeHead(200, {
      'content-type': 'image/svg+xml',
      'content-length': Buffer.byteLength(SVG),
      'x-compile-outcome': 'ok',
      'x-compile-wall-ms': '1500',
      'x-compile-cpu-ms': '1500',
    });
    res.end(SVG);
  };
  if (text.includes('% slow')) setTimeout(answer, 600);
  else answer();
}

const CONFIG = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
    compile:
      outcome_headers: trust
refusals:
  disclose: codes
checks:
  budgets:
    tiers:
      anonymous: { per_hour_s: 4 }
  admission:
    capacity: 1
    queue: 5
    max_wait_ms: 5000
    max_share: {}
`;

const body = (marker = '') => JSON.stringify({ tikz_code: `\\draw (0,0) -- (1,1); ${marker}` });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('budgets and admission over HTTP', () => {
  let up: TestUpstream;
  let g: TestGateway;
  beforeAll(async () => {
    up = await startUpstream(behaviour);
    g = await startTestGateway(baseConfig(up.url, CONFIG, '  trusted_proxies: [127.0.0.1]'));
  });
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });

  const send = async (ip: string, b = body(), signal?: AbortSignal) => {
    const r = await request(`${g.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: b,
      ...(signal ? { signal } : {}),
    });
    return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
  };
  const inflight = () => metric(g.adminUrl, 'portcullis_admission_inflight', { lane: 'normal' });
  const queued = () => metric(g.adminUrl, 'portcullis_admission_queue_depth', { tier: 'anonymous' });

  it('refuses a spent budget with 429, Retry-After and the budget named; refusals are not charged', async () => {
    const ip = '10.9.0.1';
    // 1.5 s of CPU each on a 4 s/hour budget: three compiles (4.5 s), then refused.
    for (let i = 0; i < 3; i++) expect((await send(ip)).status).toBe(200);
    const r = await send(ip);
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text).reasons).toEqual(['budget:anonymous:compile-hour']);
    // 0.5 s over: 0.5 * 3600 / 4 = 450 s, plus the ms that makes it strictly under, less the ms passed since.
    const retry = String(r.headers['retry-after']);
    expect(retry).toMatch(/^45[01]$/);
    expect(r.headers['ratelimit-policy']).toBe('"compile-hour";q=4;w=3600;qu="compile-seconds"');
    expect(r.headers['ratelimit']).toBe(`"compile-hour";r=0;t=${retry}`);
    expect(String((await send(ip)).headers['retry-after'])).toMatch(/^45[01]$/);
    expect(await metric(g.adminUrl, 'portcullis_budget_charged_seconds_total', { tier: 'anonymous' })).toBe(4.5);
    expect(await metric(g.adminUrl, 'portcullis_budget_refusals_total', { budget: 'compile-hour' })).toBe(2);
    const ev = g.events.find((e) => e.module === 'budget')!;
    expect(ev.budget).toEqual({ tier: 'anonymous', budgets: [{ name: 'compile-hour', remaining_s: 0, allow: false }] });
  });

  it('gives the slot back when the client leaves mid-compile, or while waiting for one', async () => {
    const busy = new AbortController();
    const first = send('10.9.1.1', body('% slow'), busy.signal).catch(() => null);
    await sleep(100);
    const waiting = new AbortController();
    const second = send('10.9.1.2', body(), waiting.signal).catch(() => null);
    await sleep(100);
    expect(await inflight()).toBe(1);
    expect(await queued()).toBe(1);
    waiting.abort();
    await second;
    await sleep(50);
    expect(await queued()).toBe(0);
    busy.abort();
    await first;
    await sleep(50);
    expect(await inflight()).toBe(0);
    // The slot is free: the next request is answered at once.
    expect((await send('10.9.1.3')).status).toBe(200);
    expect(await metric(g.adminUrl, 'portcullis_admission_results_total', { result: 'gone' })).toBe(1);
  });

  it('gives the slot back when the upstream fails', async () => {
    expect((await send('10.9.2.1', body('% reset'))).status).toBe(502);
    expect(await inflight()).toBe(0);
    expect((await send('10.9.2.2')).status).toBe(200);
  });

  it('a waiting request is admitted when the slot frees, and its wait is in the event', async () => {
    const first = send('10.9.3.1', body('% slow'));
    await sleep(50);
    const second = await send('10.9.3.2');
    expect(second.status).toBe(200);
    expect((await first).status).toBe(200);
    const ev = g.events.filter((e) => e.client_ip === '10.9.3.2' && e.queue !== undefined).at(-1)!;
    expect(ev.queue!.result).toBe('admitted');
    expect(ev.queue!.wait_ms).toBeGreaterThan(300);
  });
});

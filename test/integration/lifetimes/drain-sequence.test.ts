// SIGTERM's drain seen from outside, in the order a load balancer can follow: /readyz answers 503 at once;
// during server.drain_notice_ms new connections are still served (with Connection: close); then new
// connections are refused; a request in flight finishes if it can within the drain time, and one still
// waiting when the drain time runs out gets a 503 JSON (gateway:draining, Retry-After), never an empty reply.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { until } from './poll.js';

let upstream: Server | null = null;
let t: TestGateway | null = null;
const held: ServerResponse[] = [];
afterEach(async () => {
  await t?.close();
  for (const r of held.splice(0)) r.destroy();
  upstream?.closeAllConnections();
  await new Promise((r) => (upstream === null ? r(null) : upstream.close(r)));
  t = upstream = null;
});

/** /slow answers after `slowMs` (never when null); anything else at once. */
async function startSlowUpstream(slowMs: number | null): Promise<string> {
  upstream = createServer((req, res) => {
    if (req.url !== '/slow') return void res.end('ok');
    held.push(res);
    if (slowMs !== null) setTimeout(() => res.end('slow ok'), slowMs);
  });
  await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

const ROUTES = `routes:
  - { name: slow, methods: [GET], path: /slow }
  - { name: health, methods: [GET], path: /health }
refusals:
  disclose: codes
`;

function config(url: string, noticeMs: number, drainMs: number): string {
  return baseConfig(url, ROUTES, `  drain_timeout_ms: ${drainMs}\n  drain_notice_ms: ${noticeMs}`);
}

async function get(base: string, path: string) {
  try {
    // a new connection each time: the listener is what is observed
    const r = await request(`${base}${path}`, { reset: true });
    return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
  } catch (err) {
    return {
      status: 0,
      headers: {} as IncomingHttpHeaders,
      text: '',
      code: (err as { code?: string }).code ?? String(err),
    };
  }
}

describe('drain sequence', () => {
  it('says not ready first, serves during the notice, then refuses connections; the request in flight completes', async () => {
    const url = await startSlowUpstream(1_500);
    t = await startTestGateway(config(url, 1_000, 4_000));
    const base = t.url;
    expect((await fetch(`${t.adminUrl}/readyz`)).status).toBe(200);

    const inflight = get(base, '/slow');
    await until(() => t!.gw.inflight === 1, 'the slow request to be in flight');
    const started = Date.now();
    const closed = t.gw.close();

    const ready = await fetch(`${t.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'not_ready',
      checks: { serving: 'down: draining (shutting down)' },
    });

    // within the notice: a new connection is still served, and told the connection ends
    const during = await get(base, '/health');
    expect(Date.now() - started).toBeLessThan(1_000); // still within the notice
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');

    // after the notice: the listener is closed
    await new Promise((r) => setTimeout(r, 1_100 - (Date.now() - started)));
    const after = await get(base, '/health');
    expect(after.status).toBe(0);
    expect(after.code).toBe('ECONNREFUSED');

    expect(await inflight).toMatchObject({ status: 200, text: 'slow ok' });
    await closed;
  });

  it('answers a request still waiting at the end of the drain time with a 503 JSON, not an empty reply', async () => {
    const url = await startSlowUpstream(null); // never answers
    t = await startTestGateway(config(url, 0, 300));
    const inflight = get(t.url, '/slow');
    await until(() => t!.gw.inflight === 1, 'the request to be in flight');
    const started = Date.now();
    await t.gw.close();
    const r = await inflight;
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'service_unavailable', reasons: ['gateway:draining'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const events = t.events.filter((e) => e.route === 'slow');
    expect(events.map((e) => [e.status, e.reasons])).toEqual([[503, ['gateway:draining']]]);
  });
});

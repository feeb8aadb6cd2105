// Upstream down, slow, resetting, oversized; the global in-flight cap; slowloris header and body timeouts.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { rawRequest } from '../helpers/raw.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const BODY = '{"tikz_code":"\\\\draw (0,0);"}';
/** The compile route, and refusals that name their reason codes: the tests read them from the bodies. */
const ROUTES = `${COMPILE_ROUTE}refusals:
  disclose: codes
`;

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = null;
  up = null;
});

async function expectRefusal(res: Awaited<ReturnType<typeof request>>, status: number, reason: string) {
  expect(res.statusCode).toBe(status);
  const body = (await res.body.json()) as { reasons: string[]; request_id: string };
  expect(body.reasons).toEqual([reason]);
  expect(res.headers['x-request-id']).toBe(body.request_id);
  return body;
}

describe('upstream failures', () => {
  it('answers 502 when the upstream refuses connections, counted by kind', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    t = await startTestGateway(baseConfig(`http://127.0.0.1:${port}`, ROUTES));
    const res = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    await expectRefusal(res, 502, 'upstream:refused');
    expect(await metric(t.adminUrl, 'portcullis_upstream_errors_total', { kind: 'refused' })).toBe(1);
    const ready = await fetch(`${t.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
  });

  it('answers 504 when the upstream is slower than the timeout, and leaks no internals', async () => {
    up = await startUpstream(() => undefined); // never answers
    t = await startTestGateway(
      baseConfig(up.url, ROUTES.replace('name: compile', 'name: compile\n    response_timeout_ms: 300')),
    );
    const res = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    const body = await expectRefusal(res, 504, 'upstream:timeout');
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|UND_ERR|timeout_ms/);
    expect(await metric(t.adminUrl, 'portcullis_upstream_errors_total', { kind: 'timeout' })).toBe(1);
  });

  it('answers 502 when the upstream resets the connection', async () => {
    up = await startUpstream((req) => req.socket.destroy());
    t = await startTestGateway(baseConfig(up.url, ROUTES));
    const res = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    await expectRefusal(res, 502, 'upstream:reset');
  });

  it('answers 502 when the response is over the cap (declared length)', async () => {
    up = await startUpstream((_q, res) => {
      res.writeHead(200, { 'content-length': 5000 });
      res.end('x'.repeat(5000));
    });
    t = await startTestGateway(
      baseConfig(up.url, ROUTES.replace('name: compile', 'name: compile\n    max_response_bytes: 1000')),
    );
    const res = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    await expectRefusal(res, 502, 'upstream:response_too_large');
  });

  it('cuts a chunked response that grows over the cap after headers were sent', async () => {
    up = await startUpstream((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'y'.repeat(400);
      let n = 0;
      const tick = () => (n++ < 10 ? res.write(chunk, () => setTimeout(tick, 5)) : res.end());
      tick();
    });
    t = await startTestGateway(
      baseConfig(up.url, ROUTES.replace('name: compile', 'name: compile\n    max_response_bytes: 1000')),
    );
    const res = await request(`${t.url}/compile`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(await metric(t.adminUrl, 'portcullis_upstream_errors_total', { kind: 'response_too_large' })).toBe(1);
  });
});

describe('global in-flight cap', () => {
  it('answers 503 with Retry-After beyond max_inflight, and serves again once requests finish', async () => {
    const pending: Array<() => void> = [];
    up = await startUpstream((_q, res) => pending.push(() => res.end('ok')));
    t = await startTestGateway(baseConfig(up.url, ROUTES, '  max_inflight: 2\n  overload_retry_after_s: 7'));
    const a = request(`${t.url}/health`);
    const b = request(`${t.url}/health`);
    for (let i = 0; i < 100 && pending.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pending.length).toBe(2);
    const c = await request(`${t.url}/health`);
    expect(c.statusCode).toBe(503);
    expect(c.headers['retry-after']).toBe('7');
    expect(((await c.body.json()) as { reasons: string[] }).reasons).toEqual(['gateway:overloaded']);
    for (const p of pending.splice(0)) p();
    expect((await a).statusCode).toBe(200);
    expect((await b).statusCode).toBe(200);
    const d = request(`${t.url}/health`);
    for (let i = 0; i < 100 && pending.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    pending.shift()!();
    expect((await d).statusCode).toBe(200);
    expect(t.gw.inflight).toBe(0);
  });
});

describe('slow clients', () => {
  it('refuses a header block that never completes (slowloris) with 408', async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, ROUTES, '  headers_timeout_ms: 300'));
    const res = await rawRequest(t.url, ['GET /health HTTP/1.1\r\nHost: t\r\n', 100, 'X-A: 1\r\n'], 3000);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body).reasons).toEqual(['request:header_timeout']);
    expect(await metric(t.adminUrl, 'portcullis_client_errors_total', { kind: 'header_timeout' })).toBe(1);
    expect(up.received.length).toBe(0);
  });

  it('refuses a body that stalls on an inspected route with 408, nothing forwarded', async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, ROUTES, '  body_timeout_ms: 300'));
    const res = await rawRequest(
      t.url,
      ['POST /compile HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"tikz', 5000],
      3000,
    );
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body).reasons).toEqual(['request:body_timeout']);
    expect(res.headers['connection']).toBe('close');
    expect(up.received.length).toBe(0);
  });
});

// Admin listener: open health endpoints and metrics, the API only with a configured bearer token.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { loadConfigText } from '../../src/config/load.js';

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = up = null;
});

describe('admin listener', () => {
  it('binds to loopback by default', () => {
    const c = loadConfigText('upstream: { url: "http://127.0.0.1:1" }\n', 'x.yaml', {});
    expect(c.admin.listen.host).toBe('127.0.0.1');
    expect(c.admin.tokens).toEqual([]);
  });

  it('serves healthz, readyz (config + upstream health, cached) and Prometheus metrics', async () => {
    up = await startUpstream((req, res) => res.end(req.url === '/health' ? 'ok' : 'x'));
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE));
    expect((await fetch(`${t.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { upstream: 'ok' } });
    const probes = up.received.filter((r) => r.url === '/health').length;
    await fetch(`${t.adminUrl}/readyz`);
    expect(up.received.filter((r) => r.url === '/health').length).toBe(probes); // cached
    const res = await request(`${t.url}/health`);
    await res.body.dump();
    const text = await (await fetch(`${t.adminUrl}/metrics`)).text();
    for (const name of [
      'portcullis_requests_total{route="health",decision="allow",status="200"} 1',
      'portcullis_gateway_added_seconds_bucket{le="0.00001",route="health",part="request"}',
      'portcullis_upstream_seconds_count{route="health"} 1',
      'portcullis_inflight_requests 0',
      'portcullis_upstream_up 1',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('keeps the API off without tokens, and requires a valid bearer token with one', async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE));
    expect((await fetch(`${t.adminUrl}/admin/api/status`)).status).toBe(404);
    await t.close();
    t = await startTestGateway(
      baseConfig(up.url, COMPILE_ROUTE).replace(
        'admin:\n  listen: { host: 127.0.0.1, port: 0 }',
        'admin:\n  listen: { host: 127.0.0.1, port: 0 }\n  tokens: ["", old-token-123, new-token-456]',
      ),
    );
    const api = `${t.adminUrl}/admin/api/status`;
    expect((await fetch(api)).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: 'Basic old-token-123' } })).status).toBe(401);
    for (const tok of ['old-token-123', 'new-token-456']) {
      const r = await fetch(api, { headers: { authorization: `Bearer ${tok}` } });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ inflight: 0, routes: ['compile', 'stream', 'health'] });
    }
  });
});

describe('client address and request id through trusted proxies', () => {
  it('believes X-Forwarded-For and X-Request-ID only from trusted peers', async () => {
    up = await startUpstream();
    for (const trusted of [true, false]) {
      t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE, trusted ? '  trusted_proxies: [127.0.0.1/32]' : ''));
      const res = await request(`${t.url}/nowhere`, {
        headers: { 'x-forwarded-for': '198.51.100.23', 'x-request-id': 'lb-abc.123_X' },
      });
      await res.body.dump();
      expect(res.statusCode).toBe(404);
      const ev = t.events.at(-1)!;
      expect(ev.client_ip).toBe(trusted ? '198.51.100.23' : '127.0.0.1');
      expect(ev.peer_ip).toBe('127.0.0.1');
      expect(res.headers['x-request-id'] === 'lb-abc.123_X').toBe(trusted);
      // an ill-formed id is never taken, even from a trusted peer
      const bad = await request(`${t.url}/nowhere`, { headers: { 'x-request-id': 'a b<script>' } });
      await bad.body.dump();
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // the upstream sees the chain extended (trusted) or replaced (untrusted)
      const fwd = await request(`${t.url}/health`, { headers: { 'x-forwarded-for': '198.51.100.23' } });
      await fwd.body.dump();
      expect(up.received.at(-1)!.headers['x-forwarded-for']).toBe(trusted ? '198.51.100.23, 127.0.0.1' : '127.0.0.1');
      await t.close();
      t = null;
    }
  });
});

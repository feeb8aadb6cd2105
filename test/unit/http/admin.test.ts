// The admin listener's handler and bearer-token check on a real HTTP server (127.0.0.1, port 0).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTokenCheck, type TokenCheck } from '../../../src/http/admin-auth.js';
import { adminHandler, type AdminDeps, type AdminHandler, type Readiness } from '../../../src/http/admin.js';

describe('buildTokenCheck', () => {
  it('is null without a usable token (the API is then off)', () => {
    expect(buildTokenCheck([])).toBeNull();
    expect(buildTokenCheck([''])).toBeNull();
  });

  it('accepts any configured token as a Bearer credential (rotation), nothing else', () => {
    const check = buildTokenCheck(['old-token', '', 'new-token'])!;
    expect(check('Bearer old-token')).toBe(true);
    expect(check('Bearer new-token')).toBe(true);
    expect(check('bearer new-token')).toBe(true);
    expect(check('Bearer  new-token ')).toBe(true);
    expect(check('Bearer new-token2')).toBe(false);
    expect(check('Bearer ')).toBe(false);
    expect(check('Basic new-token')).toBe(false);
    expect(check('new-token')).toBe(false);
    expect(check(undefined)).toBe(false);
  });
});

let server: Server;
let base = '';
const registry = new Registry();
let readiness: Readiness[] = [];
let tokens: TokenCheck | null = buildTokenCheck(['s3cret']);
const routes = new Map<string, AdminHandler>();
const seen: unknown[] = [];
// AdminDeps.routes is moving from a Map to a function returning the table of the snapshot in service (a change
// in flight elsewhere); this dependency answers both shapes so the test holds across that change.
const routeTable = Object.assign(() => routes, { get: (k: string) => routes.get(k) }) as unknown as AdminDeps['routes'];

beforeAll(async () => {
  new Counter({ name: 'test_admin_hits_total', help: 'a metric to find', registers: [registry] }).inc(3);
  routes.set('POST /admin/api/echo', async (_req, body, url) => {
    seen.push(body);
    return { status: 201, body: { got: body ?? null, q: url.searchParams.get('q') } };
  });
  routes.set('GET /admin/api/boom', () => Promise.reject(new Error('handler fault')));
  server = createServer(
    adminHandler({ registry, readiness: () => readiness, tokens: () => tokens, routes: routeTable }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const auth = { authorization: 'Bearer s3cret' };

describe('adminHandler', () => {
  it('/healthz answers 200 JSON, not cached, not sniffed', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz: ready, degraded (still 200) and not ready (503), with each part named', async () => {
    const part = (name: string, state: 'ok' | 'degraded' | 'down', detail?: string): Readiness => ({
      name,
      check: () => Promise.resolve(detail === undefined ? { state } : { state, detail }),
    });
    readiness = [part('store', 'ok')];
    let res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ready', checks: { store: 'ok' } }]);
    readiness = [part('store', 'degraded', 'redis down, local limits'), part('geo', 'ok')];
    res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([
      200,
      { status: 'degraded', checks: { store: 'degraded: redis down, local limits', geo: 'ok' } },
    ]);
    readiness = [part('store', 'degraded'), part('upstream', 'down', 'no answer')];
    res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([
      503,
      { status: 'not_ready', checks: { store: 'degraded', upstream: 'down: no answer' } },
    ]);
    readiness = [];
  });

  it('/metrics serves the registry in its own content type', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('test_admin_hits_total 3');
  });

  it('unknown paths are 404', async () => {
    const res = await fetch(`${base}/nope`);
    expect([res.status, await res.json()]).toEqual([404, { error: 'not_found' }]);
  });

  it('/admin/api/* needs the bearer token: 401 with a challenge without it', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${base}/admin/api/echo`, { method: 'POST', headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portcullis-admin"');
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    expect(seen).toEqual([]);
  });

  it('runs the handler for its method and path with the JSON body and the query', async () => {
    const res = await fetch(`${base}/admin/api/echo?q=1`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ block: '192.0.2.1' }),
    });
    expect([res.status, await res.json()]).toEqual([201, { got: { block: '192.0.2.1' }, q: '1' }]);
    const empty = await fetch(`${base}/admin/api/echo`, { method: 'POST', headers: auth });
    expect(await empty.json()).toEqual({ got: null, q: null });
    // The same path with another method is not a route.
    const get = await fetch(`${base}/admin/api/echo`, { headers: auth });
    expect([get.status, await get.json()]).toEqual([404, { error: 'not_found' }]);
  });

  it('refuses a body that is not JSON, or over 1 MiB, with 400 before the handler runs', async () => {
    seen.length = 0;
    const bad = await fetch(`${base}/admin/api/echo`, { method: 'POST', headers: auth, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request' });
    const big = await fetch(`${base}/admin/api/echo`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify('x'.repeat(1_048_577)),
    });
    expect(big.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('a handler that fails is 500 internal_error, leaking nothing', async () => {
    const res = await fetch(`${base}/admin/api/boom`, { headers: auth });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal_error' });
    expect(text).not.toContain('handler fault');
  });

  it('without tokens the API is off: 404 that says so, even with a credential', async () => {
    tokens = null;
    try {
      const res = await fetch(`${base}/admin/api/echo`, { method: 'POST', headers: auth });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found', detail: 'admin API is off (no tokens configured)' });
    } finally {
      tokens = buildTokenCheck(['s3cret']);
    }
  });

  it('a readiness probe that throws is 500, not a crash', async () => {
    readiness = [{ name: 'bad', check: () => Promise.reject(new Error('probe failed')) }];
    try {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(500);
    } finally {
      readiness = [];
    }
  });
});

// /readyz follows the store's failure policy against a real redis-server: under fail-closed a store outage
// refuses every request that needs it (503), so the gateway reports not ready until Redis is back; under
// fail-open it stays ready (degraded) because local limits take over.
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';

function config(upstream: string, redisPort: number, policy: 'fail-open' | 'fail-closed'): string {
  // Leases off: every request asks the store, so an outage shows on the next request.
  return baseConfig(
    upstream,
    `routes:
  - name: health
    methods: [GET]
    path: /health
store:
  type: redis
  redis:
    url: redis://127.0.0.1:${redisPort}
    timeout_ms: 200
    retry_ms: 100
    on_failure: ${policy}
rate_limits:
  lease: { max_requests: 1 }
  tiers:
    anonymous:
      limits:
        - { name: per_minute, algorithm: gcra, rate: 100000, period_s: 60, burst: 100000 }
`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(url: string): Promise<number> {
  const r = await request(url);
  await r.body.dump();
  return r.statusCode;
}

async function readyz(t: TestGateway): Promise<{ code: number; status: string; store: string }> {
  const r = await fetch(`${t.adminUrl}/readyz`);
  const body = (await r.json()) as { status: string; checks: Record<string, string> };
  return { code: r.status, status: body.status, store: body.checks.store ?? '' };
}

/** Polls (bounded: 10 s) until the readiness answer says `status` (ready, degraded, not_ready). */
async function readyzUntil(t: TestGateway, status: string): Promise<{ code: number; status: string; store: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await get(`${t.url}/health`).catch(() => 0); // a request lets the store notice an outage or a recovery
    const r = await readyz(t);
    if (r.status === status || Date.now() > deadline) return r;
    await sleep(50);
  }
}

describeRedis('/readyz and the store failure policy', () => {
  let server: RedisServer | null = null;
  let up: TestUpstream | null = null;
  let gw: TestGateway | null = null;
  afterEach(async () => {
    await gw?.close();
    await up?.close();
    await server?.stop(true);
    gw = null;
    up = null;
    server = null;
  });

  it('fail-closed: not ready (503) while Redis is down and requests get 503; ready again after restart', async () => {
    server = await startRedis();
    const port = server.port;
    up = await startUpstream();
    gw = await startTestGateway(config(up.url, port, 'fail-closed'));
    expect(await get(`${gw.url}/health`)).toBe(200);
    expect(await readyz(gw)).toMatchObject({ code: 200, status: 'ready' });

    await server.stop(true);
    server = null;
    const down = await readyzUntil(gw, 'not_ready');
    expect(down).toMatchObject({ code: 503, status: 'not_ready' });
    expect(down.store).toMatch(/^down: .*fail-closed/);
    expect(await get(`${gw.url}/health`)).toBe(503); // what readiness now says: requests are refused

    server = await startRedis(port);
    expect(await readyzUntil(gw, 'ready')).toMatchObject({ code: 200, status: 'ready' });
    expect(await get(`${gw.url}/health`)).toBe(200);
  });

  it('fail-open: ready but degraded (200) while Redis is down, and requests are still served', async () => {
    server = await startRedis();
    const port = server.port;
    up = await startUpstream();
    gw = await startTestGateway(config(up.url, port, 'fail-open'));
    await server.stop(true);
    server = null;
    const deadline = Date.now() + 10_000;
    let r = await readyz(gw);
    while (r.status !== 'degraded' && Date.now() < deadline) {
      expect(await get(`${gw.url}/health`)).toBe(200);
      await sleep(50);
      r = await readyz(gw);
    }
    expect(r).toMatchObject({ code: 200, status: 'degraded' });
    expect(r.store).toMatch(/^degraded: .*fail-open/);
    expect(await get(`${gw.url}/health`)).toBe(200);
    // Back up before closing: the Redis client's QUIT waits for a connection (src/store/redis.ts close).
    server = await startRedis(port);
    expect(await readyzUntil(gw, 'ready')).toMatchObject({ code: 200, status: 'ready' });
  });
});

// Two gateways on one real Redis: one limit for both; Redis killed mid-run under fail-open and fail-closed;
// commands per HTTP request.
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { countCommands } from '../../helpers/redis-commands.js';

const ROUTES = `routes:
  - name: compile
    methods: [POST]
    path: /compile
  - name: health
    methods: [GET]
    path: /health
`;

function config(upstream: string, redisPort: number, policy: 'fail-open' | 'fail-closed', perDay = 5): string {
  return baseConfig(
    upstream,
    `${ROUTES}store:
  type: redis
  redis:
    url: redis://127.0.0.1:${redisPort}
    key_prefix: "shared:"
    timeout_ms: 1000
    retry_ms: 100
    on_failure: ${policy}
rate_limits:
  tiers:
    anonymous:
      in_flight: 50
      limits:
        - { name: per_minute, algorithm: gcra, rate: 6000, period_s: 60, burst: 1000 }
        - { name: per_day, algorithm: sliding_window, limit: ${perDay}, window_s: 86400 }
refusals:
  disclose: codes
`,
    '  trusted_proxies: [127.0.0.1/32]',
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(t: TestGateway, ip: string): Promise<number> {
  const r = await request(`${t.url}/health`, { headers: { 'x-forwarded-for': ip } });
  await r.body.dump();
  return r.statusCode;
}

describeRedis('gateways sharing one Redis', () => {
  let server: RedisServer | null = null;
  let up: TestUpstream | null = null;
  const gws: TestGateway[] = [];
  afterEach(async () => {
    for (const g of gws.splice(0)) await g.close();
    await up?.close();
    await server?.stop(true);
    server = null;
    up = null;
  });

  const startBoth = async (policy: 'fail-open' | 'fail-closed', perDay = 5) => {
    server = await startRedis();
    up = await startUpstream();
    for (let i = 0; i < 2; i++) gws.push(await startTestGateway(config(up.url, server.port, policy, perDay)));
    return gws as [TestGateway, TestGateway];
  };

  it('enforce one limit: quota spent on one gateway is refused on the other', async () => {
    const [a, b] = await startBoth('fail-open');
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(await status(a, '203.0.113.1'));
    for (let i = 0; i < 3; i++) seen.push(await status(b, '203.0.113.1'));
    expect(seen).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await status(a, '203.0.113.1')).toBe(429);
    expect(await status(b, '203.0.113.2')).toBe(200);
  });

  it('fail-open: Redis killed mid-run fails no request; after restart the limits are shared again', async () => {
    const [a, b] = await startBoth('fail-open', 100_000);
    const port = server!.port;
    let running = true;
    const codes: number[] = [];
    const load = (async () => {
      for (let i = 0; running; i++) codes.push(await status(i % 2 === 0 ? a : b, `198.51.100.${i % 50}`));
    })();
    await sleep(200);
    await server!.stop(true);
    server = null;
    await sleep(400);
    const ready = await fetch(`${a.adminUrl}/readyz`);
    expect(ready.status).toBe(200); // still serving: degraded, not down
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('degraded');
    expect(body.checks.store).toMatch(/^degraded/);
    expect(await metric(a.adminUrl, 'portcullis_store_up')).toBe(0);
    server = await startRedis(port);
    // Shared again once both gateways are back on Redis.
    const deadline = Date.now() + 10_000;
    while (
      (await metric(a.adminUrl, 'portcullis_store_up')) !== 1 ||
      (await metric(b.adminUrl, 'portcullis_store_up')) !== 1
    ) {
      if (Date.now() > deadline) throw new Error('store did not come back');
      await sleep(50);
    }
    running = false;
    await load;
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((c) => c !== 200)).toEqual([]);
    // Shared: the restarted (empty) Redis now holds one count for both gateways.
    for (const g of gws) await g.write(config(up!.url, port, 'fail-open', 2));
    await Promise.all(gws.map((g) => g.gw.reload()));
    expect([await status(a, '192.0.2.77'), await status(b, '192.0.2.77'), await status(a, '192.0.2.77')]).toEqual([
      200, 200, 429,
    ]);
  });

  it('fail-closed: 503 with Retry-After while Redis is gone, then recovery', async () => {
    const [a] = await startBoth('fail-closed', 100_000);
    const port = server!.port;
    expect(await status(a, '192.0.2.50')).toBe(200);
    await server!.stop(true);
    server = null;
    // A client without a grant in hand (192.0.2.50's lease, made before the outage, stays good for max_ms).
    const r = await request(`${a.url}/health`, { headers: { 'x-forwarded-for': '192.0.2.51' } });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(((await r.body.json()) as { reasons: string[] }).reasons).toEqual(['rate:store_unavailable']);
    server = await startRedis(port);
    const deadline = Date.now() + 10_000;
    let code = 503;
    while (code !== 200 && Date.now() < deadline) {
      code = await status(a, '192.0.2.50');
      if (code !== 200) await sleep(50);
    }
    expect(code).toBe(200);
  });

  it('one HTTP request sends at most one Redis command (MONITOR, every client command; INFO commandstats also reports the script-internal ones)', async () => {
    const [a] = await startBoth('fail-open', 100_000);
    await status(a, '192.0.2.200'); // warm: script loaded (an address the loop does not use)
    const N = 100;
    const counts = await countCommands(server!, async () => {
      for (let i = 0; i < N; i++) expect(await status(a, `192.0.2.${i}`)).toBe(200);
    });
    expect(counts.sent / N).toBeLessThanOrEqual(1.0);
    expect(counts.byName).toEqual({ evalsha: N });
  });
});

// Two gateway instances on one real Redis: a block made through one instance's admin API is enforced by
// the other within one second (change signal), and lifting it too; a third instance started later loads it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';

const TOKEN = 'shared-redis-admin-token';
const ROUTES = 'routes:\n  - { name: health, methods: [GET], path: /health }\n';

describeRedis('blocks shared through Redis', () => {
  let redis: RedisServer;
  let up: TestUpstream;
  const gws: TestGateway[] = [];

  const config = () =>
    baseConfig(
      up.url,
      `${ROUTES}store:
  type: redis
  redis:
    url: redis://127.0.0.1:${redis.port}
    key_prefix: "dec:"
    timeout_ms: 2000 # a loaded CI machine must not turn a slow answer into fail-open (blocks kept locally)
decisions:
  audit_log: stderr
`,
      '  trusted_proxies: [127.0.0.1/32]',
    ).replace('admin:\n', `admin:\n  tokens: [${TOKEN}]\n`);

  beforeAll(async () => {
    redis = await startRedis();
    up = await startUpstream();
    for (let i = 0; i < 2; i++) gws.push(await startTestGateway(config()));
  });

  afterAll(async () => {
    for (const g of gws) await g.close();
    await up.close();
    await redis.stop();
  });

  async function status(g: TestGateway, ip: string): Promise<number> {
    const r = await request(`${g.url}/health`, { headers: { 'x-forwarded-for': ip } });
    await r.body.dump();
    return r.statusCode;
  }

  async function admin(g: TestGateway, method: 'POST' | 'DELETE', body: unknown) {
    const r = await request(`${g.adminUrl}/admin/api/decisions`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await r.body.dump();
    return r.statusCode;
  }

  /** Milliseconds until `g` answers `want` for `ip` (polling every 10 ms), or -1 after 1 s. */
  async function within1s(g: TestGateway, ip: string, want: number): Promise<number> {
    const start = Date.now();
    while (Date.now() - start <= 1_000) {
      if ((await status(g, ip)) === want) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 10));
    }
    return -1;
  }

  it('a block made on one instance is enforced by the other within one second', async () => {
    const [a, b] = gws as [TestGateway, TestGateway];
    expect(await status(b, '203.0.113.20')).toBe(200);
    expect(await admin(a, 'POST', { value: '203.0.113.20', duration_s: 300, actor: 'alice' })).toBe(201);
    expect(await status(a, '203.0.113.20')).toBe(403);
    expect(await within1s(b, '203.0.113.20', 403)).toBeGreaterThanOrEqual(0);
    expect(await status(b, '203.0.113.21')).toBe(200);
  });

  it('lifting on the other instance is seen by the first within one second', async () => {
    const [a, b] = gws as [TestGateway, TestGateway];
    expect(await admin(b, 'DELETE', { value: '203.0.113.20', actor: 'bob' })).toBe(200);
    expect(await within1s(a, '203.0.113.20', 200)).toBeGreaterThanOrEqual(0);
  });

  it('an automatic block (offend) on one instance reaches the other, and a late instance loads it', async () => {
    const [a, b] = gws as [TestGateway, TestGateway];
    const blocks = a.gw.services.blocks;
    const d = await blocks.offend({ scope: 'prefix', value: '198.51.100.0/24' }, 'incident test', 'incident');
    expect(d).toMatchObject({ scope: 'prefix', origin: 'incident', offence: 1 });
    expect(await within1s(b, '198.51.100.77', 403), 'instance b').toBeGreaterThanOrEqual(0);
    const late = await startTestGateway(config());
    gws.push(late);
    expect(await within1s(late, '198.51.100.77', 403), 'late instance').toBeGreaterThanOrEqual(0);
  });

  it('signature evidence adds up across instances in Redis (the Lua script), and starts again after an offence', async () => {
    const [a, b] = gws as [TestGateway, TestGateway];
    const subject = { scope: 'ip' as const, value: '192.0.2.44' };
    const seen = [
      await a.gw.services.blocks.evidence(subject, 4, 12, 60_000),
      await b.gw.services.blocks.evidence(subject, 4, 12, 60_000),
      await a.gw.services.blocks.evidence(subject, 0, 12, 60_000), // no weight: no evidence
      await b.gw.services.blocks.evidence(subject, 4, 12, 60_000), // 12 of 12: one offence
      await a.gw.services.blocks.evidence(subject, 4, 12, 60_000), // a fresh total
      await a.gw.services.blocks.evidence(subject, 12, 12, 60_000), // an attack's weight: alone enough
    ];
    expect(seen).toEqual([false, false, false, true, false, true]);
  });
});

// Redis commands per request through the real checks (identity, in-flight cap, rate limits): one sent command.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { RequestContext } from '../../../src/core/context.js';
import { Resources } from '../../../src/core/resources.js';
import { runLogHooks, runPhase } from '../../../src/core/pipeline.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildChecks, CHECKS } from '../../../src/checks/registry.js';
import { sha256Hex } from '../../../src/identity/api-keys.js';
import { RedisStore } from '../../../src/store/redis.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { countCommands } from '../../helpers/redis-commands.js';

describeRedis('Redis commands per request', () => {
  let server: RedisServer;
  let store: RedisStore;
  beforeAll(async () => {
    server = await startRedis();
    store = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${server.port}`,
      prefix: 'pc:',
      timeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    await store.ready(5_000);
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('a request through identity, concurrency and rate checks costs at most one Redis command (INFO commandstats + MONITOR)', async () => {
    const config = configSchema.parse({
      upstream: { url: 'http://127.0.0.1:1' },
      routes: [{ name: 'compile', methods: ['POST'], path: '/compile' }],
      identity: { api_keys: { keys: [{ sha256: sha256Hex('k1'), user: 'u1', tier: 'premium' }] } },
      rate_limits: {},
    });
    const resources = new Resources();
    const mine = CHECKS.filter((e) => ['identity', 'concurrency', 'rate'].includes(e.name));
    const checks = buildChecks(
      config,
      { store, clock: systemClock, log: createLogger('silent'), resources },
      mine,
    ).request;
    expect(checks.map((c) => c.name)).toEqual(['identity', 'concurrency', 'rate']);
    const route = { name: 'compile' } as unknown as NonNullable<RequestContext['route']>;
    const one = async (i: number) => {
      const ctx = new RequestContext('POST', i % 2 === 0 ? { 'x-api-key': 'k1' } : {}, 0);
      ctx.clientIp = `10.0.${i % 7}.${i % 250}`;
      ctx.route = route;
      const stop = await runPhase(ctx, checks, () => undefined);
      ctx.end = 1;
      runLogHooks(ctx, checks, () => undefined);
      return stop;
    };
    await one(0); // script cached, subscriber connected, overrides loaded
    const N = 200;
    let refused = 0;
    const counts = await countCommands(server, async () => {
      for (let i = 1; i <= N; i++) if (await one(i)) refused++;
    });
    expect(counts.byName).toEqual({ evalsha: N });
    expect(counts.sent / N).toBeLessThanOrEqual(1.0);
    // Every command executed (script-internal GET/SET included) is in commandstats; report it for the record.
    expect(counts.all).toBeGreaterThanOrEqual(N);
    expect(refused).toBeGreaterThan(0); // the anonymous clients did hit their limits: full work was done
    await resources.closeAll();
  });
});

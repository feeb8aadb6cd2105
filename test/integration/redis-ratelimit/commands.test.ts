// Redis commands per request through the real checks (identity, in-flight cap, rate limits), leased grants included.
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

  type Checks = ReturnType<typeof buildChecks>['request'];
  const route = { name: 'compile' } as unknown as NonNullable<RequestContext['route']>;
  const build = (rateLimits: object): { checks: Checks; resources: Resources } => {
    const config = configSchema.parse({
      upstream: { url: 'http://127.0.0.1:1' },
      routes: [{ name: 'compile', methods: ['POST'], path: '/compile' }],
      identity: { api_keys: { keys: [{ sha256: sha256Hex('k1'), user: 'u1', tier: 'premium' }] } },
      rate_limits: rateLimits,
    });
    const resources = new Resources();
    const mine = CHECKS.filter((e) => ['identity', 'concurrency', 'rate'].includes(e.name));
    const checks = buildChecks(
      config,
      { store, clock: systemClock, log: createLogger('silent'), resources },
      mine,
    ).request;
    expect(checks.map((c) => c.name)).toEqual(['identity', 'concurrency', 'rate']);
    return { checks, resources };
  };
  const one = async (checks: Checks, headers: Record<string, string>, ip: string) => {
    const ctx = new RequestContext('POST', headers, 0);
    ctx.clientIp = ip;
    ctx.route = route;
    const stop = await runPhase(ctx, checks, () => undefined);
    ctx.end = 1;
    runLogHooks(ctx, checks, () => undefined);
    return stop;
  };

  it('busy clients inside their limits: every command Redis executes, script-internal ones included, is <= 1.0 per request', async () => {
    // Three limits per request (rate, hourly compilations, daily) at a level these clients do not reach, as in
    // the bench: every request is counted against all three, and leased grants admit up to 64 per call.
    const busy = {
      tiers: {
        anonymous: {
          limits: [
            { name: 'per_minute', algorithm: 'gcra', rate: 600_000, burst: 100_000 },
            { name: 'compilations_per_hour', algorithm: 'sliding_window', limit: 10_000_000, window_s: 3600 },
            { name: 'per_day', algorithm: 'sliding_window', limit: 100_000_000, window_s: 86_400 },
          ],
          in_flight: 64,
        },
        premium: { limits: [{ name: 'per_minute', algorithm: 'gcra', rate: 600_000, burst: 100_000 }] },
      },
    };
    const { checks, resources } = build(busy);
    await one(checks, {}, '10.9.9.9'); // script cached, subscriber connected, overrides loaded
    const N = 400;
    const counts = await countCommands(server, async () => {
      for (let i = 0; i < N; i++) {
        expect(await one(checks, i % 4 === 0 ? { 'x-api-key': 'k1' } : {}, `10.1.0.${i % 3}`)).toBe(false);
      }
    });
    expect(Object.keys(counts.byName)).toEqual(['evalsha']);
    expect(counts.all / N).toBeLessThanOrEqual(1.0);
    console.log(`busy clients: ${counts.all} commands executed, ${counts.sent} sent, for ${N} requests`);
    await resources.closeAll();
  });

  it('the shipped tiers, one-off and repeat clients: at most one command sent per request, refusals served locally', async () => {
    const { checks, resources } = build({});
    await one(checks, {}, '10.9.9.8');
    const N = 200;
    let refused = 0;
    const counts = await countCommands(server, async () => {
      for (let i = 1; i <= N; i++) {
        // Even: the premium API-key user (burst 50, then refused); odd: a new anonymous address each time.
        const stop = await one(checks, i % 2 === 0 ? { 'x-api-key': 'k1' } : {}, `10.0.${i % 7}.${i % 250}`);
        if (stop) refused++;
      }
    });
    expect(Object.keys(counts.byName)).toEqual(['evalsha']);
    expect(counts.sent / N).toBeLessThanOrEqual(1.0);
    expect(refused).toBeGreaterThan(0); // the premium user did reach its limit: full work was done
    // A first request of a client cannot be leased: its call reads and writes each of its three counters.
    console.log(`shipped tiers: ${counts.all} commands executed, ${counts.sent} sent, for ${N} requests`);
    await resources.closeAll();
  });
});

// Limiter accuracy on a real redis-server and a real 3-master Cluster: the Lua side of the same formulas.
import { afterAll, beforeAll } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { RedisStore } from '../../../src/store/redis.js';
import {
  describeRedis,
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisServer,
} from '../../helpers/redis.js';
import { accuracySuite } from '../../unit/ratelimit/accuracy-suite.js';

describeRedis('limiter on redis', () => {
  let server: RedisServer;
  let cluster: RedisCluster;
  beforeAll(async () => {
    [server, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  const standalone = (prefix: string) => async () => {
    const clock = new FakeClock();
    const store = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${server.port}`,
      prefix,
      clock,
      timeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    await store.ready(5_000);
    return { store, clock, dispose: () => store.close() };
  };

  accuracySuite('redis standalone', standalone('acc:'));
  // The shared-store path of the gateway: leased grants over the same Lua script.
  accuracySuite('redis standalone', standalone('acl:'), 'leased');

  accuracySuite('redis cluster', async () => {
    const clock = new FakeClock();
    const store = new RedisStore({
      mode: 'cluster',
      nodes: cluster.seeds,
      prefix: 'acc:',
      clock,
      timeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    await store.ready(10_000);
    return { store, clock, dispose: () => store.close() };
  });
});

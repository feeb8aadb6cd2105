// Runs the Store contract against RedisStore in Sentinel mode: a real master found through a real Sentinel.
import { afterAll, beforeAll } from 'vitest';
import { describeRedis, startRedis, startRedisSentinel, type RedisServer } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';
import { redisHarness } from './redis-harness.js';

describeRedis('redis via sentinel', () => {
  let master: RedisServer;
  let sentinel: RedisServer;
  beforeAll(async () => {
    master = await startRedis();
    sentinel = await startRedisSentinel(master.port);
  }, 30_000);
  afterAll(async () => {
    await sentinel?.stop();
    await master?.stop();
  });

  storeContract(
    'redis (sentinel)',
    redisHarness(
      () => ({ mode: 'sentinel', nodes: [{ host: sentinel.host, port: sentinel.port }], sentinelName: 'mymaster' }),
      5_000,
    ),
    { shared: true, realTime: true },
  );
});

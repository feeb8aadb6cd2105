// Runs the Store contract against RedisStore on a real 3-master Redis Cluster on loopback ports.
import { afterAll, beforeAll } from 'vitest';
import { describeRedis, startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';
import { redisHarness } from './redis-harness.js';

describeRedis('redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  storeContract(
    'redis (3-master cluster)',
    redisHarness(() => ({ mode: 'cluster', nodes: cluster.seeds }), 10_000),
    { shared: true, realTime: true },
  );
});

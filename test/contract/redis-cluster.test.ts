// Runs the Store contract against RedisStore on a real 3-master Redis Cluster on loopback ports.
import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../src/store/redis.js';
import { describeRedis, startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

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
    async () => {
      const prefix = `pc${randomBytes(3).toString('hex')}:`;
      const make = async () => {
        const s = new RedisStore({
          mode: 'cluster',
          nodes: cluster.seeds,
          prefix,
          timeoutMs: 2_000,
          connectTimeoutMs: 2_000,
        });
        if (!(await s.ready(10_000))) throw new Error('redis cluster not ready');
        return s;
      };
      const store = await make();
      return {
        store,
        peer: make,
        elapse: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
        dispose: () => store.close(),
      };
    },
    { shared: true, realTime: true },
  );
});

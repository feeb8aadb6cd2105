// Runs the Store contract against RedisStore in Sentinel mode: a real master found through a real Sentinel.
import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../src/store/redis.js';
import { describeRedis, startRedis, startRedisSentinel, type RedisServer } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

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
    async () => {
      const prefix = `pc${randomBytes(3).toString('hex')}:`;
      const make = async () => {
        const s = new RedisStore({
          mode: 'sentinel',
          nodes: [{ host: sentinel.host, port: sentinel.port }],
          sentinelName: 'mymaster',
          prefix,
          timeoutMs: 2_000,
          connectTimeoutMs: 2_000,
        });
        if (!(await s.ready(5_000))) throw new Error('redis via sentinel not ready');
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

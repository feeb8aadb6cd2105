// Runs the Store contract against RedisStore on a real redis-server (standalone) started on a free port.
import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../src/store/redis.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';

describeRedis('redis standalone', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  storeContract(
    'redis (standalone)',
    async () => {
      // One prefix per harness: the store and its peer share it, other tests do not.
      const prefix = `pc${randomBytes(3).toString('hex')}:`;
      const make = async () => {
        const s = new RedisStore({
          mode: 'standalone',
          url: `redis://127.0.0.1:${server.port}`,
          prefix,
          timeoutMs: 2_000,
          connectTimeoutMs: 2_000,
        });
        if (!(await s.ready(5_000))) throw new Error('redis not ready');
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

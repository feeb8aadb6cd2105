// Runs the Store contract against RedisStore on a real redis-server (standalone) started on a free port.
import { afterAll, beforeAll } from 'vitest';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { storeContract } from './store-contract.js';
import { redisHarness } from './redis-harness.js';

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
    redisHarness(() => ({ mode: 'standalone', url: `redis://127.0.0.1:${server.port}` }), 5_000),
    { shared: true, realTime: true },
  );
});

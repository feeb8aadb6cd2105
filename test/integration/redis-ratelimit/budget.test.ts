// The Lua side of the budget script and of the admission slot table on a real redis-server: the same suites as
// the memory store's TypeScript twins.
import { afterAll, beforeAll } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { RedisStore } from '../../../src/store/redis.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { budgetSuite } from '../../unit/budget/budget-suite.js';
import { slotsSuite } from '../../unit/admission/slots-suite.js';

describeRedis('budget script on redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  const harness = async () => {
    const clock = new FakeClock();
    const store = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${server.port}`,
      prefix: 'bgt:',
      clock,
      timeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    await store.ready(5_000);
    return { store, clock, dispose: () => store.close() };
  };
  budgetSuite('redis standalone', harness);
  slotsSuite('redis standalone', harness);
});

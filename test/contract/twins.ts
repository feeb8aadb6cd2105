// Test helper for store scripts written twice (Lua for Redis, TypeScript for memory): the same sequence run on a
// MemoryStore and on a real redis-server, each on its own fake clock from the same start; returns both outputs.
import { expect } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import type { RedisServer } from '../helpers/redis.js';

export async function runTwins<T>(
  server: RedisServer,
  prefix: string,
  start: number,
  sequence: (store: Store, clock: FakeClock) => Promise<T>,
): Promise<{ memory: T; redis: T }> {
  const memClock = new FakeClock(start);
  const memory = await sequence(new MemoryStore({ maxKeys: 100, clock: memClock }), memClock);
  const redisClock = new FakeClock(start);
  const store = new RedisStore({
    mode: 'standalone',
    url: `redis://127.0.0.1:${server.port}`,
    prefix,
    timeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    clock: redisClock,
  });
  try {
    expect(await store.ready(5_000)).toBe(true);
    return { memory, redis: await sequence(store, redisClock) };
  } finally {
    await store.close();
  }
}

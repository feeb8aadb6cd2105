// The shared-events scripts give the same answers in Lua on a real redis-server (a real list) as their
// TypeScript twins on the memory store: newest first, bounded, batches in order.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { runTwins } from './twins.js';
import { EVENTS_APPEND, EVENTS_READ } from '../../src/telemetry/shared-events.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';

async function sequence(store: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  const key = ['events:recent'];
  out.push(await store.run(EVENTS_READ, key, [10]));
  out.push(await store.run(EVENTS_APPEND, key, [4, 'a', 'b']));
  out.push(await store.run(EVENTS_APPEND, key, [4, 'c']));
  out.push(await store.run(EVENTS_READ, key, [10]));
  out.push(await store.run(EVENTS_APPEND, key, [4, 'd', 'e', 'f']));
  out.push(await store.run(EVENTS_READ, key, [10]));
  out.push(await store.run(EVENTS_READ, key, [2]));
  return out;
}

describeRedis('shared events scripts: Lua and TypeScript agree', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the newest events first, bounded', async () => {
    const { memory: mem, redis } = await runTwins(server, 'events-test:', 0, sequence);
    expect(redis).toEqual(mem);
    expect(mem).toEqual([[], 2, 3, ['c', 'b', 'a'], 4, ['f', 'e', 'd', 'c'], ['f', 'e']]);
  });
});

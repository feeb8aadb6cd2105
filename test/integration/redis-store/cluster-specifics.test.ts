// RedisStore on a real 3-master Cluster: hash tags keep one client's keys in one slot; cross-slot is refused early.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StoreError } from '../../../src/store/errors.js';
import { hashTag, RedisStore } from '../../../src/store/redis.js';
import type { StoreScript } from '../../../src/store/store.js';
import { describeRedis, startRedisCluster, type RedisCluster } from '../../helpers/redis.js';

const touch: StoreScript<number> = {
  name: 'touch',
  lua: `for _, k in ipairs(KEYS) do redis.call('INCR', k) end return #KEYS`,
  local: () => 0,
  decode: (r) => Number(r),
};

describeRedis('RedisStore on a real Redis Cluster', () => {
  let cluster: RedisCluster;
  let store: RedisStore;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    store = new RedisStore({
      mode: 'cluster',
      nodes: cluster.seeds,
      prefix: 'cl:',
      timeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    expect(await store.ready(10_000)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('computes hash tags as Redis does', () => {
    expect(hashTag('p:{client-1}:rpm')).toBe('client-1');
    expect(hashTag('p:{}:x')).toBe('p:{}:x');
    expect(hashTag('no-tag')).toBe('no-tag');
    expect(hashTag('a{b}{c}')).toBe('b');
  });

  it('runs a multi-key script when the keys share a hash tag, across many clients on all masters', async () => {
    const owners = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const keys = [`{client${i}}:a`, `{client${i}}:b`, `{client${i}}:c`];
      expect(await store.run(touch, keys, [])).toBe(3);
      // Which master holds the tag's slot: all three keys must be there.
      const slot = cluster.nodes[0]!.cli('cluster', 'keyslot', `cl:{client${i}}:a`).trim();
      owners.add(slot);
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  it('refuses keys from different slots before sending anything', async () => {
    const err = await store.run(touch, ['{x}:a', '{y}:b'], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe('cross_slot');
  });

  it('lists keys held by every master', async () => {
    for (let i = 0; i < 20; i++) await store.set(`ls:${i}`, String(i));
    const masters = cluster.nodes.filter((n) => Number(n.cli('dbsize').trim()) > 0);
    expect(masters.length).toBe(3);
    expect((await store.list('ls:')).length).toBe(20);
  });
});

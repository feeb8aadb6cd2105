// RedisStore behaviour beyond the contract: NOSCRIPT reload, key prefix, per-call timeout, one command per run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StoreError } from '../../../src/store/errors.js';
import { RedisStore } from '../../../src/store/redis.js';
import type { StoreScript } from '../../../src/store/store.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { countCommands } from '../../helpers/redis-commands.js';

const incr: StoreScript<number> = {
  name: 'incr',
  lua: `return redis.call('INCR', KEYS[1])`,
  local: () => 0,
  decode: (r) => Number(r),
};

describeRedis('RedisStore on a real redis-server', () => {
  let server: RedisServer;
  let store: RedisStore;
  const make = async (prefix: string, timeoutMs = 2_000) => {
    const s = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${server.port}`,
      prefix,
      timeoutMs,
      connectTimeoutMs: 2_000,
    });
    expect(await s.ready(5_000)).toBe(true);
    return s;
  };
  beforeAll(async () => {
    server = await startRedis();
    store = await make('spec:');
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('reloads a script after SCRIPT FLUSH (NOSCRIPT) and keeps using EVALSHA afterwards', async () => {
    expect(await store.run(incr, ['{a}:n'], [])).toBe(1);
    server.cli('script', 'flush');
    expect(await store.run(incr, ['{a}:n'], [])).toBe(2);
    const evalBefore = Number(/cmdstat_eval:calls=(\d+)/.exec(server.cli('info', 'commandstats'))?.[1] ?? 0);
    expect(await store.run(incr, ['{a}:n'], [])).toBe(3);
    const evalAfter = Number(/cmdstat_eval:calls=(\d+)/.exec(server.cli('info', 'commandstats'))?.[1] ?? 0);
    expect(evalAfter).toBe(evalBefore);
  });

  it('stores every key under the prefix', async () => {
    await store.set('visible', 'v');
    await store.run(incr, ['{b}:count'], []);
    const keys = server.cli('--scan', '--pattern', 'spec:*').trim().split('\n').sort();
    expect(keys).toContain('spec:visible');
    expect(keys).toContain('spec:{b}:count');
    expect(server.cli('get', 'visible').trim()).toBe('');
  });

  it('one script run is exactly one command sent, and every command executed is accounted for', async () => {
    await store.run(incr, ['{c}:n'], []); // warm: script cached
    const n = await countCommands(server, async () => {
      for (let i = 0; i < 50; i++) await store.run(incr, ['{c}:n'], []);
    });
    expect(n.byName).toEqual({ evalsha: 50 });
    expect(n.sent).toBe(50);
    expect(n.byName).toEqual({ evalsha: 50 });
    // commandstats counts script-internal commands too: EVALSHA + the INCR inside it.
    expect(n.all).toBe(100);
  });

  it('a call slower than the per-call timeout fails as a timeout, and the store works afterwards', async () => {
    const quick = await make('spec:', 100);
    try {
      server.cli('client', 'pause', '600', 'ALL');
      const err = await quick.get('visible').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe('timeout');
      expect((err as StoreError).unavailable).toBe(true);
      await new Promise((r) => setTimeout(r, 700));
      expect(await quick.get('visible')).toBe('v');
    } finally {
      await quick.close();
    }
  });

  it('a Lua error is a script fault, not an outage', async () => {
    const bad: StoreScript<null> = { ...incr, name: 'bad', lua: `return redis.call('NOPE')`, decode: () => null };
    const err = await store.run(bad, ['{d}:x'], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe('script');
    expect((err as StoreError).unavailable).toBe(false);
  });

  it('rejects a key prefix with braces', () => {
    expect(() => new RedisStore({ mode: 'standalone', prefix: 'a{b}', timeoutMs: 10, connectTimeoutMs: 10 })).toThrow(
      StoreError,
    );
  });

  it('fails fast, not after a timeout, while Redis is unreachable', async () => {
    const port = server.port;
    const lonely = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:1`,
      prefix: 'x:',
      timeoutMs: 5_000,
      connectTimeoutMs: 200,
    });
    try {
      const err = await lonely.get('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe('connection');
      expect(port).toBeGreaterThan(0);
    } finally {
      await lonely.close();
    }
  });
});

// MemoryStore specifics beyond the contract: the key bound, the synchronous script path, option checks.
import { LRUCache } from 'lru-cache';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { GatewayError } from '../../../src/core/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { StoreScript } from '../../../src/store/store.js';

const incr: StoreScript<number> = {
  name: 'incr',
  lua: '',
  local(ops, keys) {
    const v = Number(ops.get(keys[0]!) ?? '0') + 1;
    ops.set(keys[0]!, String(v), 1_000);
    return v;
  },
  decode: (r) => Number(r),
};

describe('MemoryStore', () => {
  it('holds at most max_keys keys, evicting the least recently used', async () => {
    const s = new MemoryStore({ maxKeys: 3, clock: new FakeClock() });
    await s.set('a', '1');
    await s.set('b', '2');
    await s.set('c', '3');
    expect(await s.get('a')).toBe('1'); // a is now the most recent
    await s.set('d', '4');
    expect(s.size).toBe(3);
    expect(await s.get('b')).toBeNull();
    expect(await s.get('a')).toBe('1');
    expect(await s.get('d')).toBe('4');
  });

  it('runSync runs the script at once with the clock time and the store prefix', async () => {
    const clock = new FakeClock(5_000);
    const s = new MemoryStore({ maxKeys: 10, clock, prefix: 'p:' });
    expect(s.runSync(incr, ['n'], [])).toBe(1);
    expect(s.runSync(incr, ['n'], [])).toBe(2);
    expect((await s.list('n'))[0]).toEqual({ key: 'n', value: '2' });
    clock.advance(1_000);
    expect(s.runSync(incr, ['n'], [])).toBe(1);
  });

  it('wraps script faults as GW_ERR_STORE', async () => {
    const s = new MemoryStore({ maxKeys: 10 });
    const bad: StoreScript<null> = {
      ...incr,
      name: 'bad',
      local: () => {
        throw new Error('boom');
      },
      decode: () => null,
    };
    // The memory store answers synchronously, so its failures are thrown, not rejected.
    let err: unknown = null;
    try {
      s.run(bad, ['k'], []);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('GW_ERR_STORE');
  });

  it('rejects a non-positive key bound', () => {
    expect(() => new MemoryStore({ maxKeys: 0 })).toThrow(GatewayError);
  });

  it('delivers unprefixed keys to change listeners', async () => {
    const s = new MemoryStore({ maxKeys: 10, prefix: 'p:' });
    const heard: string[] = [];
    s.onChange((k) => heard.push(k));
    await s.set('k', 'v');
    await s.delete('k');
    expect(heard).toEqual(['k', 'k']);
  });

  it('ends keys without taking them out of the Map, and revives them in place', async () => {
    // A hot key deleted and set again on every request must not leave a dead entry per request in the
    // Map's hash chain (see MemoryStore.kill): expiry, delete and a script's del only mark the slot.
    const clock = new FakeClock(0);
    const s = new MemoryStore({ maxKeys: 10, clock });
    const removed = vi.spyOn(LRUCache.prototype, 'delete');
    const del: StoreScript<null> = {
      ...incr,
      name: 'del',
      local: (ops, keys) => (ops.del(keys[0]!), null),
      decode: () => null,
    };
    try {
      for (let i = 0; i < 50; i++) {
        expect(s.runSync(incr, ['hot'], [])).toBe(1);
        if (i % 3 === 0) s.runSync(del, ['hot'], []);
        else if (i % 3 === 1) expect(await s.delete('hot')).toBe(true);
        else clock.advance(1_000); // expired by the clock
        expect(await s.get('hot')).toBeNull();
      }
      expect(removed).not.toHaveBeenCalled();
      expect(s.size).toBe(1);
      expect(await s.delete('hot')).toBe(false);
      await s.set('hot', 'v');
      expect(await s.get('hot')).toBe('v');
    } finally {
      removed.mockRestore();
    }
  });

  it('lists neither expired nor deleted keys, and drops them from the Map then', async () => {
    const clock = new FakeClock(0);
    const s = new MemoryStore({ maxKeys: 10, clock });
    await s.set('a', '1');
    await s.set('b', '2', 100);
    await s.set('c', '3');
    await s.delete('c');
    clock.advance(100);
    expect(await s.list('')).toEqual([{ key: 'a', value: '1' }]);
    expect(s.size).toBe(1);
  });
});

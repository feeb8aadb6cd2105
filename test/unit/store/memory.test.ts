// MemoryStore specifics beyond the contract: the key bound, the synchronous script path, option checks.
import { describe, expect, it } from 'vitest';
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
});

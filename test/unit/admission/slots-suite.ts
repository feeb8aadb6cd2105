// The shared slot table's script against its documented behaviour, on any Store whose scripts take `now` from
// a FakeClock (memory here, a real redis-server in test/integration/redis-ratelimit/budget.test.ts).
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../../../src/core/clock.js';
import type { Store } from '../../../src/store/store.js';
import { SLOTS_SCRIPT, type LeaseReply } from '../../../src/admission/shared.js';

export interface SlotsHarness {
  readonly store: Store;
  readonly clock: FakeClock;
  dispose(): Promise<void>;
}

let n = 0;

export function slotsSuite(name: string, make: () => Promise<SlotsHarness>): void {
  describe(`admission slot table (${name})`, () => {
    const call = (h: SlotsHarness, key: string, op: string, who: string, lane: 'n' | 's'): Promise<LeaseReply> =>
      Promise.resolve(h.store.run(SLOTS_SCRIPT, [key], [op, who, lane, 2, 1, 1000]));

    it('leases up to capacity (slow ones up to slow capacity), gives back, renews, and forgets the expired', async () => {
      const h = await make();
      const key = `adm:{t${++n}-${Math.random().toString(36).slice(2, 8)}}`;
      try {
        expect(await call(h, key, 't', 'a.1', 's')).toEqual({ taken: true, total: 1, slow: 1 });
        expect(await call(h, key, 't', 'b.1', 's')).toEqual({ taken: false, total: 1, slow: 1 });
        expect(await call(h, key, 't', 'b.2', 'n')).toEqual({ taken: true, total: 2, slow: 1 });
        expect(await call(h, key, 't', 'b.3', 'n')).toEqual({ taken: false, total: 2, slow: 1 });
        expect(await call(h, key, 'g', 'a.1', 's')).toEqual({ taken: false, total: 1, slow: 0 });
        // b renews its leases at 900 ms: they outlive the original expiry; then nothing renews them.
        h.clock.advance(900);
        expect(await call(h, key, 'r', 'b.', 'n')).toEqual({ taken: false, total: 1, slow: 0 });
        h.clock.advance(999);
        expect((await call(h, key, 't', 'c.1', 'n')).total).toBe(2);
        // At 1900 + 1 ms past b's renewed lease: b's slot is free again, c's still held.
        h.clock.advance(2);
        expect(await call(h, key, 't', 'c.2', 'n')).toEqual({ taken: true, total: 2, slow: 0 });
        await call(h, key, 'g', 'c.1', 'n');
        await call(h, key, 'g', 'c.2', 'n');
        // Empty: the key is gone.
        expect(await h.store.get(key)).toBeNull();
      } finally {
        await h.dispose();
      }
    });
  });
}

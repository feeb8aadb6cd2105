// Runs the Store contract against MemoryStore: once on a FakeClock, once on real time with a key prefix.
import { FakeClock, systemClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import { storeContract } from './store-contract.js';

storeContract(
  'memory (fake clock)',
  async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 10_000, clock });
    return {
      store,
      peer: null,
      elapse: async (ms) => clock.advance(ms),
      dispose: () => store.close(),
    };
  },
  { shared: false, realTime: false },
);

storeContract(
  'memory (real time, prefixed)',
  async () => {
    const store = new MemoryStore({ maxKeys: 10_000, clock: systemClock, prefix: 'pfx:' });
    return {
      store,
      peer: null,
      elapse: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
      dispose: () => store.close(),
    };
  },
  { shared: false, realTime: true },
);

// Limiter accuracy on the memory store with a fake clock.
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { accuracySuite } from './accuracy-suite.js';

accuracySuite('memory store', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ maxKeys: 10_000, clock });
  return { store, clock, dispose: () => store.close() };
});

accuracySuite(
  'memory store',
  async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 10_000, clock });
    return { store, clock, dispose: () => store.close() };
  },
  'leased',
);

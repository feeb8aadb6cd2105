// The budget script on the memory store with a fake clock, and the standing arithmetic on its own.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { budgetStanding } from '../../../src/budget/script.js';
import { budgetSuite } from './budget-suite.js';

budgetSuite('memory', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ maxKeys: 1000, clock });
  return { store, clock, dispose: () => store.close() };
});

describe('budgetStanding', () => {
  it('reads remaining, retry and full-refill times from a backlog', () => {
    const p = { periodMs: 1000, budgetMs: 100 };
    expect(budgetStanding(p, 0)).toEqual({ remainingMs: 100, retryMs: 0, fullMs: 0 });
    expect(budgetStanding(p, 999)).toEqual({ remainingMs: 0, retryMs: 0, fullMs: 999 });
    expect(budgetStanding(p, 1000)).toEqual({ remainingMs: 0, retryMs: 1, fullMs: 1000 });
    expect(budgetStanding(p, 1500)).toEqual({ remainingMs: 0, retryMs: 501, fullMs: 1500 });
  });
});

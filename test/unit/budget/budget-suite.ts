// The compile-seconds budget script against its documented arithmetic, on any Store whose scripts take `now`
// from a FakeClock (memory here, a real redis-server in test/integration/redis-ratelimit/budget.test.ts).
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../../../src/core/clock.js';
import type { Store } from '../../../src/store/store.js';
import {
  BUDGET_SCRIPT,
  budgetArgs,
  budgetStanding,
  type BudgetParams,
  type BudgetResult,
} from '../../../src/budget/script.js';

export interface BudgetHarness {
  readonly store: Store;
  readonly clock: FakeClock;
  dispose(): Promise<void>;
}

const HOUR: BudgetParams = { periodMs: 3_600_000, budgetMs: 60_000 };
const DAY: BudgetParams = { periodMs: 86_400_000, budgetMs: 300_000 };
let n = 0;
const keysFor = (): string[] => {
  const id = `bg${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return [`bg:{${id}}:hour`, `bg:{${id}}:day`];
};

export function budgetSuite(name: string, make: () => Promise<BudgetHarness>): void {
  describe(`budget script (${name})`, () => {
    const run = async (h: BudgetHarness, keys: string[], chargeMs: number): Promise<BudgetResult> =>
      h.store.run(BUDGET_SCRIPT, keys, budgetArgs(chargeMs, [HOUR, DAY]));

    it('a fresh client has its whole budget; a read charges nothing', async () => {
      const h = await make();
      try {
        const keys = keysFor();
        for (let i = 0; i < 3; i++) {
          const r = await run(h, keys, 0);
          expect(r.now).toBe(h.clock.now());
          expect(r.steps).toEqual([
            { allow: true, backlogMs: 0 },
            { allow: true, backlogMs: 0 },
          ]);
          expect(budgetStanding(HOUR, r.steps[0]!.backlogMs).remainingMs).toBe(60_000);
        }
      } finally {
        await h.dispose();
      }
    });

    it('charges compile ms as period/budget of backlog; spent comes back continuously', async () => {
      const h = await make();
      try {
        const keys = keysFor();
        // 30 s of a 60 s/h budget: half the hour's backlog; of 300 s/day a tenth of the day's.
        let r = await run(h, keys, 30_000);
        expect(r.steps[0]).toEqual({ allow: true, backlogMs: 1_800_000 });
        expect(r.steps[1]).toEqual({ allow: true, backlogMs: 8_640_000 });
        expect(budgetStanding(HOUR, r.steps[0]!.backlogMs).remainingMs).toBe(30_000);
        h.clock.advance(600_000); // ten minutes give back 10 s of the hour's budget
        r = await run(h, keys, 0);
        expect(r.steps[0]!.backlogMs).toBe(1_200_000);
        expect(budgetStanding(HOUR, r.steps[0]!.backlogMs).remainingMs).toBe(40_000);
      } finally {
        await h.dispose();
      }
    });

    it('an overdraw refuses until the debt is paid, to the millisecond', async () => {
      const h = await make();
      try {
        const keys = keysFor();
        await run(h, keys, 30_000);
        // A 45-second timeout charged in full: 75 s spent of 60 (the compile was allowed: 30 s were left).
        let r = await run(h, keys, 45_000);
        expect(r.steps[0]).toEqual({ allow: true, backlogMs: 4_500_000 });
        r = await run(h, keys, 0);
        expect(r.steps[0]!.allow).toBe(false);
        expect(r.steps[1]!.allow).toBe(true);
        const s = budgetStanding(HOUR, r.steps[0]!.backlogMs);
        expect(s).toEqual({ remainingMs: 0, retryMs: 900_001, fullMs: 4_500_000 });
        h.clock.advance(900_000);
        expect((await run(h, keys, 0)).steps[0]!.allow).toBe(false);
        h.clock.advance(1);
        expect((await run(h, keys, 0)).steps[0]!.allow).toBe(true);
      } finally {
        await h.dispose();
      }
    });

    it('a charge made while refused still counts (the compile happened), and fractions add up', async () => {
      const h = await make();
      try {
        const keys = keysFor();
        await run(h, keys, 61_000);
        const r = await run(h, keys, 1);
        expect(r.steps[0]!.allow).toBe(false);
        expect(r.steps[0]!.backlogMs).toBe(3_660_060);
        // 7 ms on a 300 s/day budget is 2016 ms of backlog each: stored with 3 decimals, no drift.
        const k2 = keysFor();
        for (let i = 0; i < 10; i++) await run(h, k2, 7);
        expect((await run(h, k2, 0)).steps[1]!.backlogMs).toBe(20_160);
      } finally {
        await h.dispose();
      }
    });

    it('a budget paid back in full is forgotten (the key expires with its backlog)', async () => {
      const h = await make();
      try {
        const keys = keysFor();
        await run(h, keys, 1_000);
        h.clock.advance(60_000);
        expect((await run(h, keys, 0)).steps[0]).toEqual({ allow: true, backlogMs: 0 });
      } finally {
        await h.dispose();
      }
    });
  });
}

// Accuracy of the limiter against the documented formulas, on any Store whose scripts take `now` from a FakeClock.
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../../../src/core/clock.js';
import type { Store } from '../../../src/store/store.js';
import { buildPlan } from '../../../src/ratelimit/plan.js';
import { checkLimits, type LimitOutcome, type Subject } from '../../../src/ratelimit/limiter.js';
import { LeasedLimiter } from '../../../src/ratelimit/lease.js';
import type { Plan } from '../../../src/ratelimit/plan.js';
import { retryAfter } from '../../../src/ratelimit/headers.js';
import type { LimitConfig } from '../../../src/ratelimit/config.js';

export interface AccuracyHarness {
  readonly store: Store;
  readonly clock: FakeClock;
  dispose(): Promise<void>;
}

/**
 * How requests reach the store: one script call each (`direct`), or through leased grants (`leased`, the
 * shared-store path, with the shipped lease settings): the formulas must hold either way.
 */
export type Path = 'direct' | 'leased';

type CheckFn = (plan: Plan, s: Subject) => Promise<LimitOutcome>;

function checker(h: AccuracyHarness, path: Path): CheckFn {
  if (path === 'direct') return (plan, s) => checkLimits(h.store, plan, s);
  const lease = new LeasedLimiter(h.store, { maxUnits: 16, share: 4, maxMs: 1000, maxEntries: 1000 });
  return async (plan, s) => lease.check(plan, s);
}

const ONE = [{ bits: 32, scale: 1 }];
let n = 0;
const subject = (): Subject => {
  const tag = `acc${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return { tag, groups: [tag] };
};

const gcra = (rate: number, period_s: number, burst: number): LimitConfig => ({
  name: 'rate',
  algorithm: 'gcra',
  rate,
  period_s,
  burst,
  per_endpoint: false,
});
const win = (limit: number, window_s: number): LimitConfig => ({
  name: 'quota',
  algorithm: 'sliding_window',
  limit,
  window_s,
  per_endpoint: false,
});

/** Sends one request every `everyMs` from now for `forMs` (inclusive), returns the times let through. */
async function drive(
  h: AccuracyHarness,
  checkLimits: CheckFn,
  limits: LimitConfig[],
  s: Subject,
  everyMs: number,
  forMs: number,
): Promise<number[]> {
  const plan = buildPlan('t', limits, null, ONE);
  const start = h.clock.now();
  const passed: number[] = [];
  for (let t = 0; t <= forMs; t += everyMs) {
    h.clock.set(start + t);
    const out = await checkLimits(plan, s);
    if (out.allowed) passed.push(t);
  }
  return passed;
}

export function accuracySuite(name: string, factory: () => Promise<AccuracyHarness>, path: Path = 'direct'): void {
  describe(`rate-limit accuracy: ${name} (${path})`, () => {
    const withHarness = (fn: (h: AccuracyHarness, checkLimits: CheckFn) => Promise<void>) => async () => {
      const h = await factory();
      try {
        await fn(h, checker(h, path));
      } finally {
        await h.dispose();
      }
    };

    it(
      'GCRA: sending faster than the rate for T lets burst + rate*T through',
      withHarness(async (h, checkLimits) => {
        // 10/min, burst 5, one request every 500 ms for 60 s: 5 + 10 = 15.
        expect((await drive(h, checkLimits, [gcra(10, 60, 5)], subject(), 500, 60_000)).length).toBe(15);
        // 30/min, burst 15, every 100 ms for 120 s: 15 + 60 = 75.
        expect((await drive(h, checkLimits, [gcra(30, 60, 15)], subject(), 100, 120_000)).length).toBe(75);
        // 7/min (non-integral interval), burst 3, every 250 ms for 300 s: 3 + 35 = 38.
        expect((await drive(h, checkLimits, [gcra(7, 60, 3)], subject(), 250, 300_000)).length).toBe(38);
      }),
    );

    it(
      'GCRA: the burst comes back after an idle period of burst * interval, not before',
      withHarness(async (h, checkLimits) => {
        const s = subject();
        const plan = buildPlan('t', [gcra(10, 60, 5)], null, ONE);
        for (let i = 0; i < 5; i++) expect((await checkLimits(plan, s)).allowed).toBe(true);
        const refused = await checkLimits(plan, s);
        expect(refused.allowed).toBe(false);
        // One unit frees every 6 s: Retry-After says so, and it is exact to the millisecond.
        expect(retryAfter(refused.standings)).toBe(6);
        h.clock.advance(5_999);
        expect((await checkLimits(plan, s)).allowed).toBe(false);
        h.clock.advance(1);
        expect((await checkLimits(plan, s)).allowed).toBe(true);
        h.clock.advance(30_000);
        let burst = 0;
        while ((await checkLimits(plan, s)).allowed) burst++;
        expect(burst).toBe(5);
      }),
    );

    it(
      'sliding window: a steady rate above the limit for a full window gets the limit through',
      withHarness(async (h, checkLimits) => {
        // Start on a window boundary: 5 per hour, one request a minute for the hour.
        const W = 3_600_000;
        h.clock.set(Math.ceil(h.clock.now() / W) * W);
        const passed = await drive(h, checkLimits, [win(5, 3600)], subject(), 60_000, W - 1);
        expect(passed.length).toBe(5);
      }),
    );

    it(
      'sliding window: in steady overload every window-long span gets the limit, within 1',
      withHarness(async (h, checkLimits) => {
        const W = 60_000;
        h.clock.set(Math.ceil(h.clock.now() / W) * W);
        const L = 20;
        const passed = await drive(h, checkLimits, [win(L, 60)], subject(), 250, 5 * W);
        for (const from of [2 * W, 2.5 * W, 3 * W, 3.3 * W, 4 * W - 1]) {
          const count = passed.filter((t) => t >= from && t < from + W).length;
          expect(Math.abs(count - L), `span from ${from}`).toBeLessThanOrEqual(1);
        }
      }),
    );

    it(
      'sliding window: refused requests spend nothing, and Retry-After is when one passes',
      withHarness(async (h, checkLimits) => {
        const W = 60_000;
        h.clock.set(Math.ceil(h.clock.now() / W) * W);
        const s = subject();
        const plan = buildPlan('t', [win(3, 60)], null, ONE);
        for (let i = 0; i < 3; i++) expect((await checkLimits(plan, s)).allowed).toBe(true);
        for (let i = 0; i < 10; i++) expect((await checkLimits(plan, s)).allowed).toBe(false);
        h.clock.advance(30_000);
        const refused = await checkLimits(plan, s);
        expect(refused.allowed).toBe(false);
        // Next window: prev = 3 decays; 3 * (1 - e/W) + 1 <= 3 at e = W/3 = 20 s; now is 30 s into this one.
        expect(refused.standings[0]!.standing.retryMs).toBe(30_000 + 20_000);
        h.clock.advance(49_999);
        expect((await checkLimits(plan, s)).allowed).toBe(false);
        h.clock.advance(1);
        expect((await checkLimits(plan, s)).allowed).toBe(true);
      }),
    );

    it(
      'several limits in one call: all-or-nothing, and the tightest one refuses',
      withHarness(async (h, checkLimits) => {
        const W = 3_600_000;
        h.clock.set(Math.ceil(h.clock.now() / W) * W);
        const s = subject();
        // rate allows 5 at once; the hourly quota allows 3.
        const plan = buildPlan('t', [gcra(10, 60, 5), win(3, 3600)], null, ONE);
        for (let i = 0; i < 3; i++) expect((await checkLimits(plan, s)).allowed).toBe(true);
        const out = await checkLimits(plan, s);
        expect(out.allowed).toBe(false);
        expect(out.standings.map((x) => x.allow)).toEqual([true, false]);
        // The GCRA counter was not charged by the refused request: 2 units of burst are left.
        const ratePlan = buildPlan('t', [gcra(10, 60, 5)], null, ONE);
        expect((await checkLimits(ratePlan, s)).standings[0]!.standing.remaining).toBe(1);
      }),
    );
  });
}

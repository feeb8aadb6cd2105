// RateLimit field values: the policy closest to exhaustion, Retry-After, structured-field syntax.
import { describe, expect, it } from 'vitest';
import { closest, rateLimitHeaders, retryAfter, type PolicyStanding } from '../../../src/ratelimit/headers.js';
import { buildPlan } from '../../../src/ratelimit/plan.js';

const plan = buildPlan(
  'anonymous',
  [
    { name: 'per_minute', algorithm: 'gcra', rate: 10, period_s: 60, burst: 5, per_endpoint: false },
    { name: 'per_day', algorithm: 'sliding_window', limit: 50, window_s: 86400, per_endpoint: false },
  ],
  null,
  [{ bits: 32, scale: 1 }],
);
const [minute, day] = plan.defs as [PolicyStanding['def'], PolicyStanding['def']];
const st = (
  def: PolicyStanding['def'],
  allow: boolean,
  remaining: number,
  resetMs: number,
  retryMs = 0,
): PolicyStanding => ({
  def,
  allow,
  standing: { remaining, resetMs, retryMs },
});

describe('RateLimit headers', () => {
  it('lists every policy in RateLimit-Policy as sf-items with q and w', () => {
    expect(plan.policyHeader).toBe('"per_minute";q=10;w=60;pc-burst=5, "per_day";q=50;w=86400');
  });

  it('RateLimit names the policy with the fewest remaining, ties broken by the longer reset', () => {
    expect(
      rateLimitHeaders(plan.policyHeader, [st(minute, true, 4, 6000), st(day, true, 40, 3_600_000)]).ratelimit,
    ).toBe('"per_minute";r=4;t=6');
    expect(
      rateLimitHeaders(plan.policyHeader, [st(minute, true, 3, 6000), st(day, true, 2, 3_600_000)]).ratelimit,
    ).toBe('"per_day";r=2;t=3600');
    expect(closest([st(minute, true, 2, 1000), st(day, true, 2, 5000)])!.def.name).toBe('per_day');
  });

  it('on refusal: the refusing policy with the longest wait, r=0, and Retry-After in whole seconds (at least 1)', () => {
    const all = [st(minute, false, 0, 6000, 5_001), st(day, true, 10, 1000)];
    expect(rateLimitHeaders(plan.policyHeader, all).ratelimit).toBe('"per_minute";r=0;t=6');
    expect(retryAfter(all)).toBe(6);
    expect(retryAfter([st(minute, false, 0, 0, 0)])).toBe(1);
    const both = [st(minute, false, 0, 6000, 6000), st(day, false, 0, 7_200_000, 7_200_000)];
    expect(closest(both)!.def.name).toBe('per_day');
    expect(retryAfter(both)).toBe(7200);
  });
});

// The per-client in-flight cap: slots taken per client and tier, released in the log phase, never leaked.
import { describe, expect, it } from 'vitest';
import { buildConcurrencyCheck } from '../../../src/checks/concurrency.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { config, ctx, deps, outcome } from './helpers.js';

const tiers = (inFlight: number) => ({
  rate_limits: {
    tiers: { anonymous: { in_flight: inFlight, limits: [] }, premium: { in_flight: 0, limits: [] } },
    suspicious_tier: 'anonymous',
  },
});

describe('concurrency check', () => {
  it('is not built when rate limits are off or every cap is 0', () => {
    expect(buildConcurrencyCheck(config({ rate_limits: { mode: 'off' } }), deps())).toBeNull();
    expect(buildConcurrencyCheck(config(tiers(0)), deps())).toBeNull();
  });

  it('admits up to the cap per client, refuses the next with 429 and RateLimit headers, frees on completion', () => {
    const check = buildConcurrencyCheck(config(tiers(2)), deps())!;
    const a = ctx();
    const b = ctx();
    expect(outcome(check.run(a) as Verdict)).toBe('continue');
    expect(outcome(check.run(b) as Verdict)).toBe('continue');
    const refused = check.run(ctx()) as Verdict;
    expect(outcome(refused)).toBe('429 rate:anonymous:in_flight');
    expect(refused.kind === 'limit' && refused.headers).toEqual({
      'retry-after': '1',
      'ratelimit-policy': '"in_flight";q=2;qu="concurrent-requests"',
      ratelimit: '"in_flight";r=0',
    });
    // Another client has its own slots.
    expect(outcome(check.run(ctx({}, '203.0.113.9')) as Verdict)).toBe('continue');
    check.onComplete!(a);
    expect(outcome(check.run(ctx()) as Verdict)).toBe('continue');
    // Completing twice (or a request that held nothing) frees nothing more.
    check.onComplete!(a);
    check.onComplete!(ctx());
    expect(outcome(check.run(ctx()) as Verdict)).toBe('429 rate:anonymous:in_flight');
  });

  it('takes no slot for a request that already ended, and none in a tier without a cap', () => {
    const check = buildConcurrencyCheck(config(tiers(1)), deps())!;
    const gone = ctx();
    gone.end = 1;
    expect(outcome(check.run(gone) as Verdict)).toBe('continue');
    expect(outcome(check.run(ctx()) as Verdict)).toBe('continue');
    const premium = ctx();
    premium.identity = { user: 'p', tier: 'premium', method: 'api_key' };
    for (let i = 0; i < 5; i++) expect(outcome(check.run(premium) as Verdict)).toBe('continue');
  });
});

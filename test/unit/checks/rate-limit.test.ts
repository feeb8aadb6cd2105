// The rate check on real stores: synchronous on memory, 429 with headers past a limit, 503 when the store is down.
import { describe, expect, it } from 'vitest';
import { buildRateLimitCheck } from '../../../src/checks/rate-limit.js';
import { StoreError } from '../../../src/core/errors.js';
import { responseHeadersOf } from '../../../src/ratelimit/response-headers.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { StoreScript } from '../../../src/store/store.js';
import { config, ctx, deps, NOW, outcome } from './helpers.js';

const limits = (extra: Record<string, unknown> = {}) => ({
  rate_limits: {
    tiers: {
      anonymous: {
        in_flight: 0,
        limits: [{ name: 'per_minute', algorithm: 'gcra', rate: 3, period_s: 60, burst: 3 }],
      },
    },
    suspicious_tier: 'anonymous',
    ...extra,
  },
});

/** A memory store whose backend is gone: what a fail-closed shared store answers during an outage. */
class DownStore extends MemoryStore {
  override run<R>(script: StoreScript<R>): R {
    throw new StoreError('connection', `store down (${script.name})`);
  }
}

class DownAsyncStore extends MemoryStore {
  calls = 0;
  override run<R>(): R {
    this.calls++;
    return Promise.reject(new StoreError('connection', 'store down')) as unknown as R;
  }
}

class BrokenAsyncStore extends MemoryStore {
  override run<R>(): R {
    return Promise.reject(new StoreError('script', 'bad script')) as unknown as R;
  }
}

describe('rate-limit check', () => {
  it('is not built when off', () => {
    expect(buildRateLimitCheck(config({ rate_limits: { mode: 'off' } }), deps())).toBeNull();
  });

  it('answers synchronously on the memory store, with RateLimit headers, then 429 with Retry-After', () => {
    const check = buildRateLimitCheck(config(limits()), deps())!;
    expect(check.name).toBe('rate');
    for (let i = 0; i < 3; i++) {
      const c = ctx();
      const v = check.run(c);
      expect(v).not.toBeInstanceOf(Promise);
      expect(outcome(v as Verdict)).toBe('continue');
      expect(Object.keys(responseHeadersOf(c) ?? {})).toEqual(['ratelimit-policy', 'ratelimit']);
    }
    const refused = check.run(ctx()) as Verdict;
    expect(outcome(refused)).toBe('429 rate:anonymous:per_minute');
    expect(refused.kind === 'limit' && Number(refused.headers?.['retry-after'])).toBeGreaterThan(0);
    // Another client is counted apart.
    expect(outcome(check.run(ctx({}, '203.0.113.1')) as Verdict)).toBe('continue');
  });

  it('sends no headers on success when headers_on_success is false', () => {
    const check = buildRateLimitCheck(config(limits({ headers_on_success: false })), deps())!;
    const c = ctx();
    expect(outcome(check.run(c) as Verdict)).toBe('continue');
    expect(responseHeadersOf(c)).toBeUndefined();
  });

  it('a tier without limits passes without a store call', () => {
    const store = new DownAsyncStore({ maxKeys: 10 });
    const check = buildRateLimitCheck(
      config({ rate_limits: { tiers: { anonymous: { in_flight: 0, limits: [] } }, suspicious_tier: 'anonymous' } }),
      deps(store),
    )!;
    expect(outcome(check.run(ctx()) as Verdict)).toBe('continue');
    expect(store.calls).toBe(0);
  });

  it('an unavailable store (rejecting) is 503 rate:store_unavailable with the configured Retry-After', async () => {
    const check = buildRateLimitCheck(
      config(limits({ unavailable_retry_after_s: 7 })),
      deps(new DownAsyncStore({ maxKeys: 10 })),
    )!;
    const v = await check.run(ctx());
    expect(outcome(v)).toBe('503 rate:store_unavailable');
    expect(v.kind === 'limit' && v.headers).toEqual({ 'retry-after': '7' });
  });

  it('a store fault that is not an outage stays a fault (thrown or rejected), never a 503', async () => {
    const sync = buildRateLimitCheck(config(limits()), deps(new DownStore({ maxKeys: 10 })))!;
    expect(() => sync.run(ctx())).toThrow(StoreError);
    const broken = buildRateLimitCheck(config(limits()), deps(new BrokenAsyncStore({ maxKeys: 10 })))!;
    await expect(broken.run(ctx())).rejects.toThrow('bad script');
  });

  it('counts by the store clock: a refused client is admitted again once its rate allows', () => {
    const d = deps();
    const check = buildRateLimitCheck(config(limits()), d)!;
    for (let i = 0; i < 3; i++) check.run(ctx());
    expect(outcome(check.run(ctx()) as Verdict)).toBe('429 rate:anonymous:per_minute');
    d.clock.set(NOW + 21_000);
    expect(outcome(check.run(ctx()) as Verdict)).toBe('continue');
  });
});

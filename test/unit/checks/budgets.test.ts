// The budgets check on the memory store with a fake clock: checked on compile routes, 429 with the budget's
// RateLimit headers, charged from the compile outcome (CPU, wall, a timeout in full), store failures counted.
import { describe, expect, it } from 'vitest';
import { buildBudgetsCheck, chargeMs } from '../../../src/checks/budgets.js';
import type { CompileOutcome } from '../../../src/core/compile.js';
import type { RequestContext } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import { StoreError } from '../../../src/core/errors.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { config, ctx, deps, NOW, outcome } from './helpers.js';

const ROUTES = [
  { name: 'compile', path: '/compile', compile: {} },
  { name: 'health', path: '/health' },
];

const budgets = (extra: Record<string, unknown> = {}) =>
  config({
    routes: ROUTES,
    checks: {
      budgets: { tiers: { anonymous: { per_hour_s: 10, per_day_s: 20 }, premium: { per_hour_s: 100 } }, ...extra },
    },
  });

const route = (name: string): CompiledRoute => ({ name }) as unknown as CompiledRoute;

function request(tier = 'anonymous', user: string | null = null, ip = '198.51.100.7', to = 'compile'): RequestContext {
  const c = ctx({}, ip);
  c.route = route(to);
  if (tier !== 'anonymous' || user !== null) c.identity = { user, tier, method: 'api_key' };
  return c;
}

const compiled = (outcome: CompileOutcome['outcome'], wallMs: number, cpuMs: number | null): CompileOutcome => ({
  outcome,
  wallMs,
  cpuMs,
  source: 'headers',
  headerProblem: null,
});

/** Runs one request through the check: its verdict, then (when let through) a compile and the log hook. */
function send(check: ReturnType<typeof buildBudgetsCheck>, c: RequestContext, compile: CompileOutcome | null): Verdict {
  const v = check!.run(c) as Verdict;
  c.compile = v.kind === 'continue' ? compile : null;
  check!.onComplete!(c);
  return v;
}

class DownStore extends MemoryStore {
  override run<R>(): R {
    return Promise.reject(new StoreError('connection', 'store down')) as unknown as R;
  }
}

class ThrowingStore extends MemoryStore {
  override run<R>(): R {
    throw new StoreError('connection', 'store down');
  }
}

describe('budgets check', () => {
  it('is not built when off, or when no route compiles', () => {
    expect(buildBudgetsCheck(config({ routes: ROUTES }), deps())).toBeNull();
    expect(buildBudgetsCheck(config({ checks: { budgets: {} } }), deps())).toBeNull();
    expect(buildBudgetsCheck(budgets(), deps())!.phase).toBe('headers');
  });

  it('a tier budget names at least one period', () => {
    expect(() => budgets({ tiers: { anonymous: {} } })).toThrow('give per_hour_s, per_day_s or both');
  });

  it('charges CPU when stated, else wall, and a timeout at least the configured charge', () => {
    expect(chargeMs(compiled('ok', 900, 700), 45_000)).toBe(700);
    expect(chargeMs(compiled('tex_error', 900, null), 45_000)).toBe(900);
    expect(chargeMs(compiled('timeout', 3_000, 2_000), 45_000)).toBe(45_000);
    expect(chargeMs(compiled('timeout', 50_000, null), 45_000)).toBe(50_000);
  });

  it('refuses a client once its compile seconds are spent: 429, Retry-After and the budget named', () => {
    const d = deps();
    const metrics = createMetrics({ defaultMetrics: false });
    const check = buildBudgetsCheck(budgets(), { ...d, metrics })!;
    const first = request();
    expect(outcome(send(check, first, compiled('ok', 6_000, 4_000)))).toBe('continue');
    expect(first.budget).toEqual({
      tier: 'anonymous',
      budgets: [
        { name: 'compile-hour', remainingS: 10, allow: true },
        { name: 'compile-day', remainingS: 20, allow: true },
      ],
    });
    // 4 s spent of 10: allowed, and this one costs 7 s (overdrawn to 11).
    expect(outcome(send(check, request(), compiled('ok', 7_000, 7_000)))).toBe('continue');
    const refused = send(check, request(), compiled('ok', 1, 1));
    expect(outcome(refused)).toBe('429 budget:anonymous:compile-hour');
    // 11 s spent of 10/hour: back under once 1 s worth (360 s) is paid back, plus a ms.
    expect(refused.kind === 'limit' && refused.headers).toEqual({
      'retry-after': '361',
      'ratelimit-policy':
        '"compile-hour";q=10;w=3600;qu="compile-seconds", "compile-day";q=20;w=86400;qu="compile-seconds"',
      ratelimit: '"compile-hour";r=0;t=361',
    });
    // Another client, and another tier, are budgeted apart; a route that does not compile is not checked.
    expect(outcome(send(check, request('anonymous', null, '203.0.113.9'), null))).toBe('continue');
    expect(outcome(send(check, request('premium', 'pat'), null))).toBe('continue');
    const health = request('anonymous', null, '198.51.100.7', 'health');
    expect(outcome(check.run(health) as Verdict)).toBe('continue');
    expect(health.budget).toBeNull();
    d.clock.set(NOW + 361_000);
    expect(outcome(send(check, request(), null))).toBe('continue');
    expect(metrics.budgetRefusals.child('anonymous', 'compile-hour').value).toBe(1);
    expect(metrics.budgetCharged.child('anonymous').value).toBe(11);
  });

  it('charges nothing for a request refused later or never compiled, and a timeout in full', () => {
    const check = buildBudgetsCheck(budgets({ timeout_charge_s: 9 }), deps())!;
    for (let i = 0; i < 5; i++) expect(outcome(send(check, request(), null))).toBe('continue');
    expect(outcome(send(check, request(), compiled('timeout', 3_000, null)))).toBe('continue');
    // 9 of 10 s: one more compile, then none.
    expect(outcome(send(check, request(), compiled('ok', 2_000, null)))).toBe('continue');
    expect(outcome(send(check, request(), null))).toBe('429 budget:anonymous:compile-hour');
  });

  it('a tier without a budget is not checked; a tier with only one budget names only that one', () => {
    const check = buildBudgetsCheck(budgets(), deps())!;
    const c = request('authenticated', 'al');
    expect(outcome(send(check, c, compiled('ok', 999_000, null)))).toBe('continue');
    expect(c.budget).toBeNull();
    const p = request('premium', 'pat');
    send(check, p, compiled('ok', 101_000, null));
    const v = check.run(request('premium', 'pat')) as Verdict;
    expect(outcome(v)).toBe('429 budget:premium:compile-hour');
    expect(v.kind === 'limit' && v.headers?.['ratelimit-policy']).toBe(
      '"compile-hour";q=100;w=3600;qu="compile-seconds"',
    );
  });

  it('monitor mode charges as enforce does (the pipeline turns its refusals into monitor hits)', () => {
    const check = buildBudgetsCheck(budgets({ mode: 'monitor' }), deps())!;
    expect(check.mode).toBe('monitor');
    const metrics = createMetrics({ defaultMetrics: false });
    const check2 = buildBudgetsCheck(budgets({ mode: 'monitor' }), { ...deps(), metrics })!;
    send(check, request(), compiled('ok', 20_000, null));
    expect(outcome(check.run(request()) as Verdict)).toBe(
      '429 budget:anonymous:compile-hour,budget:anonymous:compile-day',
    );
    // The pipeline let a refused request through (monitor): what it compiles is charged all the same.
    send(check2, request(), compiled('ok', 11_000, null));
    const c = request();
    expect(outcome(check2.run(c) as Verdict)).toBe('429 budget:anonymous:compile-hour');
    c.compile = compiled('ok', 1_000, null);
    check2.onComplete!(c);
    expect(metrics.budgetCharged.child('anonymous').value).toBe(12);
  });

  it('a store outage (fail-closed) is 503 budget:store_unavailable; a charge that fails is counted, not thrown', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const down = buildBudgetsCheck(budgets({ unavailable_retry_after_s: 4 }), {
      ...deps(new DownStore({ maxKeys: 10 })),
      metrics,
    })!;
    const v = await down.run(request());
    expect(outcome(v)).toBe('503 budget:store_unavailable');
    expect(v.kind === 'limit' && v.headers).toEqual({ 'retry-after': '4' });
    const sync = buildBudgetsCheck(budgets(), { ...deps(new ThrowingStore({ maxKeys: 10 })), metrics })!;
    expect(outcome(sync.run(request()) as Verdict)).toBe('503 budget:store_unavailable');
    expect(metrics.budgetStoreFailures.child('check').value).toBe(2);

    // Let through while the store answered, charged after it went down.
    const store = new MemoryStore({ maxKeys: 10 });
    const check = buildBudgetsCheck(budgets(), { ...deps(store), metrics })!;
    const c = request();
    const c2 = request();
    expect(outcome(check.run(c) as Verdict)).toBe('continue');
    expect(outcome(check.run(c2) as Verdict)).toBe('continue');
    c.compile = compiled('ok', 1_000, null);
    store.run = () => Promise.reject(new StoreError('timeout', 'slow')) as never;
    check.onComplete!(c);
    await new Promise((r) => setImmediate(r));
    store.run = () => {
      throw new StoreError('connection', 'gone');
    };
    c2.compile = compiled('ok', 1_000, null);
    check.onComplete!(c2);
    expect(metrics.budgetStoreFailures.child('charge').value).toBe(2);
  });

  it('a store fault that is not an outage stays a fault', async () => {
    class Broken extends MemoryStore {
      override run<R>(): R {
        return Promise.reject(new StoreError('script', 'bad script')) as unknown as R;
      }
    }
    const check = buildBudgetsCheck(budgets(), deps(new Broken({ maxKeys: 10 })))!;
    await expect(check.run(request())).rejects.toThrow('bad script');
  });
});

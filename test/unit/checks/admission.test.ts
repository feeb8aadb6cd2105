// The admission check with a real queue: synchronous when a slot is free, a promise that resolves when one is
// granted, 503 when shed or when the wait runs out, released in the log hook whatever happened, gauges kept.
import { describe, expect, it } from 'vitest';
import { buildAdmissionCheck, queueSettings } from '../../../src/checks/admission.js';
import type { RequestContext } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { admissionSchema } from '../../../src/admission/config.js';
import { config, ctx, deps, outcome } from './helpers.js';

const ROUTES = [
  { name: 'compile', path: '/compile', compile: {} },
  { name: 'health', path: '/health' },
];

const admission = (extra: Record<string, unknown> = {}) =>
  config({
    routes: ROUTES,
    checks: { admission: { capacity: 2, queue: 2, max_wait_ms: 50, max_share: {}, ...extra } },
  });

function request(ip: string, tier = 'anonymous', to = 'compile'): RequestContext {
  const c = ctx({}, ip);
  c.route = { name: to } as unknown as CompiledRoute;
  if (tier !== 'anonymous') c.identity = { user: `u-${ip}`, tier, method: 'api_key' };
  return c;
}

const gauge = async (g: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels: object) =>
  (await g.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value;

describe('admission check', () => {
  it('is not built when off or when no route compiles; it is a body-phase check', () => {
    expect(buildAdmissionCheck(config({ routes: ROUTES }), deps())).toBeNull();
    expect(buildAdmissionCheck(config({ checks: { admission: {} } }), deps())).toBeNull();
    expect(buildAdmissionCheck(admission(), deps())!.phase).toBe('body');
  });

  it('admits at once while slots are free, then waits; a slot freed in the log hook admits the next', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const check = buildAdmissionCheck(admission(), { ...deps(), metrics })!;
    const a = request('198.51.100.1');
    const b = request('198.51.100.2');
    expect(outcome(check.run(a) as Verdict)).toBe('continue');
    expect(outcome(check.run(b) as Verdict)).toBe('continue');
    expect(a.admission).toEqual({ tier: 'anonymous', lane: 'normal', result: 'admitted', waitMs: 0 });
    const c = request('198.51.100.3');
    const pending = check.run(c);
    expect(pending).toBeInstanceOf(Promise);
    expect(await gauge(metrics.admissionQueued, { tier: 'anonymous' })).toBe(1);
    expect(await gauge(metrics.admissionInflight, { lane: 'normal' })).toBe(2);
    expect(await gauge(metrics.admissionCapacity, { lane: 'normal' })).toBe(2);
    check.onComplete!(a);
    expect(outcome(await pending)).toBe('continue');
    expect(c.admission?.result).toBe('admitted');
    check.onComplete!(a); // twice is harmless
    check.onComplete!(b);
    check.onComplete!(c);
    expect(await gauge(metrics.admissionInflight, { lane: 'normal' })).toBe(0);
    expect(metrics.admissionResults.child('anonymous', 'admitted').value).toBe(3);
    // Routes that do not compile are not admitted through it.
    const h = request('198.51.100.4', 'anonymous', 'health');
    expect(outcome(check.run(h) as Verdict)).toBe('continue');
    expect(h.admission).toBeNull();
  });

  it('503 with Retry-After when the wait runs out, and when shed from a full queue', async () => {
    const check = buildAdmissionCheck(admission({ retry_after_s: 3, capacity: 1, queue: 1 }), deps())!;
    const held = request('198.51.100.1');
    check.run(held);
    const waiting = request('198.51.100.2');
    const timedOut = check.run(waiting) as Promise<Verdict>;
    // The queue holds one: a second anonymous client as greedy as the first is shed at once.
    const shed = request('198.51.100.3');
    const v = check.run(shed) as Verdict;
    expect(outcome(v)).toBe('503 admission:shed');
    expect(v.kind !== 'continue' && v.headers).toEqual({ 'retry-after': '3' });
    const t = await timedOut;
    expect(outcome(t)).toBe('503 admission:wait_timeout');
    expect(waiting.admission?.result).toBe('timeout');
    expect(waiting.admission!.waitMs).toBeGreaterThanOrEqual(40);
    for (const c of [held, waiting, shed]) check.onComplete!(c);
  });

  it('a client gone while waiting leaves the queue (its wait resolves, no slot is kept)', async () => {
    const check = buildAdmissionCheck(admission({ capacity: 1, max_wait_ms: 10_000 }), deps())!;
    const held = request('198.51.100.1');
    check.run(held);
    const gone = request('198.51.100.2');
    const pending = check.run(gone) as Promise<Verdict>;
    check.onComplete!(gone);
    expect(outcome(await pending)).toBe('continue');
    expect(gone.admission?.result).toBe('gone');
    check.onComplete!(held);
    // The slot is free: the next request is admitted at once.
    const next = request('198.51.100.3');
    expect(check.run(next)).not.toBeInstanceOf(Promise);
    check.onComplete!(next);
    // A request that already ended (client gone while an earlier check awaited) takes nothing.
    const ended = request('198.51.100.4');
    ended.end = 1;
    expect(outcome(check.run(ended) as Verdict)).toBe('continue');
    expect(ended.admission).toBeNull();
  });

  it('monitor mode never holds a request back: a wait it would have made is a monitor hit', () => {
    const check = buildAdmissionCheck(admission({ mode: 'monitor', capacity: 1 }), deps())!;
    const a = request('198.51.100.1');
    expect(outcome(check.run(a) as Verdict)).toBe('continue');
    const b = request('198.51.100.2');
    expect(outcome(check.run(b) as Verdict)).toBe('503 admission:would_wait');
    check.onComplete!(b);
    check.onComplete!(a);
  });

  it('slow-lane requests (the cost estimate) share slow_capacity; the queue outlives a reload', async () => {
    const d = deps();
    const check = buildAdmissionCheck(admission({ capacity: 3, slow_capacity: 1 }), d)!;
    const slow = (ip: string) => {
      const c = request(ip);
      c.cost = { units: 1, seconds: 30, breakdown: [], lane: 'slow' };
      return c;
    };
    const s1 = slow('198.51.100.1');
    const s2 = slow('198.51.100.2');
    expect(outcome(check.run(s1) as Verdict)).toBe('continue');
    expect(s1.admission?.lane).toBe('slow');
    const p2 = check.run(s2) as Promise<Verdict>;
    expect(p2).toBeInstanceOf(Promise);
    // A reload builds the check again over the same queue: the slot s1 holds still counts, and is freed by
    // the new check's hook.
    const again = buildAdmissionCheck(admission({ capacity: 3, slow_capacity: 1 }), d)!;
    again.onComplete!(s1);
    expect(outcome(await p2)).toBe('continue');
    again.onComplete!(s2);
  });

  it('shared: true leases slots in the store; a reload that turns sharing off gives them back', async () => {
    const d = deps();
    const check = buildAdmissionCheck(admission({ shared: true, lease_ms: 1000 }), d)!;
    const a = request('198.51.100.1');
    const v = check.run(a);
    expect(v).toBeInstanceOf(Promise); // a lease is asked for first
    expect(outcome(await v)).toBe('continue');
    expect(await d.store.get('adm:{slots}')).toMatch(/,n,\d+;$/);
    buildAdmissionCheck(admission({ shared: true, lease_ms: 2000 }), d); // same gate, new settings
    const off = buildAdmissionCheck(admission(), d)!;
    await new Promise((r) => setTimeout(r, 10));
    expect(await d.store.get('adm:{slots}')).toBeNull();
    off.onComplete!(a);
  });

  it('derives tier caps from max_share (at least one slot) and ranks from priority', () => {
    const s = queueSettings(
      admissionSchema.parse({ capacity: 5, max_share: { anonymous: 0.6, suspicious: 0.1 }, priority: ['premium'] }),
    );
    expect([...s.tierCaps]).toEqual([
      ['anonymous', 3],
      ['suspicious', 1],
    ]);
    expect([...s.ranks]).toEqual([['premium', 0]]);
    expect(() => admissionSchema.parse({ capacity: 1, slow_capacity: 2 })).toThrow('slow_capacity');
    expect(() => admissionSchema.parse({ priority: ['a', 'a'] })).toThrow('listed twice');
  });
});

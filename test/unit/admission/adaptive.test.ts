// The adaptive cap: cut when compiles' wall/CPU ratio rises over its baseline, grown back by one when it falls.
import { describe, expect, it } from 'vitest';
import { AdaptiveCap } from '../../../src/admission/adaptive.js';
import { buildAdmissionCheck } from '../../../src/checks/admission.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { config, ctx, deps, outcome } from '../checks/helpers.js';

const S = { max: 8, min: 2, tolerance: 1.5, window: 5 };

function feed(a: AdaptiveCap, n: number, wall: number, cpu: number | null): number[] {
  const caps: number[] = [];
  for (let i = 0; i < n; i++) if (a.observe(wall, cpu)) caps.push(a.cap);
  return caps;
}

describe('adaptive cap', () => {
  it('holds while compiles run at their CPU time, shrinks when they wait, grows back one step at a time', () => {
    const a = new AdaptiveCap(S);
    expect(feed(a, 20, 1000, 950)).toEqual([]); // at the maximum already
    expect(a.cap).toBe(8);
    // Contended: twice the wall time for the same CPU.
    expect(feed(a, 20, 2100, 1000)).toEqual([6, 4, 3, 2]);
    expect(feed(a, 5, 2100, 1000)).toEqual([]); // at the minimum
    // Back to normal: one slot per window.
    expect(feed(a, 40, 1000, 950)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('ignores what says nothing about contention: no CPU figure, tiny compiles', () => {
    const a = new AdaptiveCap(S);
    expect(feed(a, 50, 5000, null)).toEqual([]);
    expect(feed(a, 50, 5000, 10)).toEqual([]);
    expect(a.cap).toBe(8);
  });

  it('a reload keeps the cap within the new bounds', () => {
    const a = new AdaptiveCap(S);
    feed(a, 5, 1000, 1000);
    feed(a, 10, 3000, 1000);
    expect(a.cap).toBe(4);
    a.configure({ ...S, max: 3 });
    expect(a.cap).toBe(3);
    a.configure({ ...S, min: 5 });
    expect(a.cap).toBe(5);
  });

  it('drives the admission check: the queue capacity and its gauge follow the cap', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const d = { ...deps(), metrics };
    const cfg = config({
      routes: [{ name: 'compile', path: '/compile', compile: {} }],
      checks: {
        admission: { capacity: 4, max_share: {}, adaptive: { enabled: true, window: 2, min_capacity: 1 } },
      },
    });
    const check = buildAdmissionCheck(cfg, d)!;
    const run = (wall: number, cpu: number) => {
      const c = ctx({}, '198.51.100.1');
      c.route = { name: 'compile' } as unknown as CompiledRoute;
      expect(outcome(check.run(c) as Verdict)).toBe('continue');
      c.compile = { outcome: 'ok', wallMs: wall, cpuMs: cpu, source: 'headers', headerProblem: null };
      check.onComplete!(c);
    };
    run(1000, 1000);
    run(1000, 1000);
    run(3000, 1000);
    run(3000, 1000);
    const cap = (await metrics.admissionCapacity.get()).values.find((v) => v.labels.lane === 'normal')?.value;
    expect(cap).toBe(3);
    // A reload that turns it off restores the configured capacity.
    buildAdmissionCheck(
      config({ routes: [{ name: 'compile', path: '/compile', compile: {} }], checks: { admission: { capacity: 4 } } }),
      d,
    );
    const after = (await metrics.admissionCapacity.get()).values.find((v) => v.labels.lane === 'normal')?.value;
    expect(after).toBe(4);
  });
});

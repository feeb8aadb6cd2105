// The cost check: ctx.cost on every estimated request, refusal (422 cost:<construct>) over the tier's maximum,
// the slow lane, monitor mode, routes, and the config's name checks; the estimate in the event and metrics.
import { describe, expect, it } from 'vitest';
import { buildCostCheck, costCheck } from '../../../src/checks/cost.js';
import { CHECKS } from '../../../src/checks/registry.js';
import { validateSemantics } from '../../../src/config/validate.js';
import { runPhase } from '../../../src/core/pipeline.js';
import type { RequestContext } from '../../../src/core/context.js';
import { costSchema } from '../../../src/cost/config.js';
import { eventFor } from '../../../src/telemetry/events.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { RequestMetrics } from '../../../src/telemetry/request-metrics.js';
import { config, ctx, outcome } from './helpers.js';

const BIG = '\\foreach \\x in {1,...,1000} \\foreach \\y in {1,...,1000} {}';
const SMALL = '\\draw (0,0) -- (1,1);';

function request(code: string, tier = 'anonymous', route = 'compile', field = 'tikz_code'): RequestContext {
  const c = ctx();
  c.identity = { user: null, tier, method: 'anonymous' };
  c.route = { name: route } as RequestContext['route'];
  c.decoded = { type: 'json', fields: [{ name: field, path: field, value: code, code: field === 'tikz_code' }] };
  return c;
}

const settings = (extra: Record<string, unknown> = {}) => costSchema.parse({ mode: 'enforce', ...extra });

describe('cost check', () => {
  it('estimates every request with a code field, refuses over the maximum with the largest construct', () => {
    const check = costCheck(settings(), 'enforce');
    const small = request(SMALL);
    expect(outcome(check.run(small) as never)).toBe('continue');
    expect(small.cost).toMatchObject({ units: 1, lane: 'normal', breakdown: [{ construct: 'paths', factor: 1 }] });
    const big = request(BIG);
    expect(outcome(check.run(big) as never)).toBe('422 cost:foreach');
    expect(big.cost).toMatchObject({ units: 1e6, lane: 'normal' });
    expect(big.cost!.seconds).toBeGreaterThan(small.cost!.seconds);
  });
  it('leaves requests without code fields, and routes not listed, unestimated', () => {
    const check = costCheck(settings({ routes: ['compile'] }), 'enforce');
    const title = request(BIG, 'anonymous', 'compile', 'title');
    expect(outcome(check.run(title) as never)).toBe('continue');
    expect(title.cost).toBeNull();
    const other = request(BIG, 'anonymous', 'preview');
    expect(outcome(check.run(other) as never)).toBe('continue');
    expect(other.cost).toBeNull();
    const none = ctx();
    expect(outcome(check.run(none) as never)).toBe('continue');
  });
  it('reads the maximum per tier, else the default', () => {
    const check = costCheck(settings({ max_units: { premium: 2e6 }, default_max_units: 500 }), 'enforce');
    expect(outcome(check.run(request(BIG, 'premium')) as never)).toBe('continue');
    expect(outcome(check.run(request(BIG, 'anonymous')) as never)).toBe('422 cost:foreach');
    expect(outcome(check.run(request('\\draw[samples=900] plot (\\x,\\x);')) as never)).toBe('422 cost:plot-samples');
  });
  it('over: slow marks the lane and lets the request on (in enforce mode only)', () => {
    const slow = request(BIG);
    expect(outcome(costCheck(settings({ over: 'slow' }), 'enforce').run(slow) as never)).toBe('continue');
    expect(slow.cost!.lane).toBe('slow');
    const monitored = request(BIG);
    costCheck(settings({ over: 'slow' }), 'monitor').run(monitored);
    expect(monitored.cost!.lane).toBe('normal');
  });
  it('monitor mode: counted as a monitor hit, the request goes on', () => {
    const c = request(BIG);
    const check = costCheck(settings(), 'monitor');
    expect(runPhase(c, [check], () => undefined)).toBe(false);
    expect(c.monitorHits).toEqual(['cost:foreach']);
    expect(c.refusal).toBeNull();
  });
  it('is built from config when on, after the signatures', () => {
    expect(buildCostCheck(config({}))).toBeNull();
    const cfg = config({ checks: { cost: { mode: 'monitor' } } });
    expect(buildCostCheck(cfg)!.mode).toBe('monitor');
    const names = CHECKS.map((c) => c.name);
    expect(names.indexOf('cost')).toBe(names.indexOf('signatures') + 1);
  });
  it('config: tier and route names must exist', () => {
    const cfg = config({
      routes: [{ name: 'compile', path: '/compile' }],
      checks: { cost: { mode: 'enforce', routes: ['compil'], max_units: { premum: 5 } } },
    });
    const messages = validateSemantics(cfg).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^checks\.cost\.max_units\.premum: no tier "premum" \(did you mean "premium"\?\)/),
        expect.stringMatching(/^checks\.cost\.routes\.0: no route "compil" \(did you mean "compile"\?\)/),
      ]),
    );
    expect(() => costSchema.parse({ default_bound: 0 })).toThrow();
    expect(() => costSchema.parse({ over: 'later' })).toThrow();
  });
  it('the estimate goes into the security event (never the code) and the units histogram', async () => {
    const c = request(BIG);
    c.id = 'r1';
    const v = costCheck(settings(), 'enforce').run(c);
    expect(v.kind).toBe('deny');
    c.refusal = { decision: 'deny', status: 422, reasons: ['cost:foreach'], module: 'cost' };
    c.decision = 'deny';
    c.status = 422;
    const e = eventFor(c)!;
    expect(e.cost).toEqual(c.cost);
    expect(JSON.stringify(e)).not.toContain('\\foreach');
    const m = createMetrics({ defaultMetrics: false });
    const rm = new RequestMetrics(m);
    rm.record(c);
    const slow = request(BIG);
    costCheck(settings({ over: 'slow' }), 'enforce').run(slow);
    rm.record(slow);
    rm.record(request(SMALL));
    const text = await m.registry.metrics();
    expect(text).toMatch(/portcullis_cost_units_count\{route="compile",lane="normal"\} 1/);
    expect(text).toMatch(/portcullis_cost_units_count\{route="compile",lane="slow"\} 1/);
    expect(text).toMatch(/portcullis_cost_units_bucket\{le="1000000",route="compile",lane="normal"\} 1/);
  });
});

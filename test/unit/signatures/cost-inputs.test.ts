// Single-literal rules are cost inputs: on a route whose cost check refuses by its estimate (gateway.yaml's
// compile route), a big literal alone is reported (scored LOW) but not refused, and the estimate finds no more
// work in it than the shipped maximum; without the cost check the rules keep their own severity (vectors as data).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateFields } from '../../../src/cost/estimate.js';
import { SEVERITY_SCORE } from '../../../src/signatures/rule.js';
import { costRoutesOf } from '../../../src/cost/routes.js';
import { configSchema } from '../../../src/config/schema.js';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const data = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/cost-inputs.json'), 'utf8'),
) as { vectors: { rule: string; tex: string }[] };
const engine = shippedEngine();
const withoutCost = shippedEngine({}, new Set());
/** gateway.yaml's anonymous maximum and default bound. */
const MAX_UNITS = 100_000;

describe('single-literal rules are cost inputs', () => {
  it.each(data.vectors.map((v) => [v.tex, v.rule] as const))('%s: scored by %s, not refused', (tex, rule) => {
    const r = engine.inspect(compileRequest(tex));
    expect(r.matches.map((m) => m.rule)).toContain(rule);
    expect(r.deny).toBe(false);
    const fields = [{ name: 'tikz_code', path: 'tikz_code', value: tex, code: true }];
    expect(estimateFields(fields, { defaultBound: 1000 }).units).toBeLessThanOrEqual(MAX_UNITS);
    // no cost check: the rule scores its own severity (above LOW)
    const own = withoutCost.inspect(compileRequest(tex)).matches.find((m) => m.rule === rule);
    expect(own?.score).toBeGreaterThan(SEVERITY_SCORE.LOW);
  });

  it('knows the routes whose cost check refuses: enforce and over: refuse only', () => {
    const base = {
      upstream: { url: 'http://127.0.0.1:1' },
      routes: [
        { name: 'compile', methods: ['POST'], path: '/compile', inspect_body: true, code_fields: ['tikz_code'] },
        { name: 'health', methods: ['GET'], path: '/health' },
      ],
    };
    const routes = (cost: object) => [...costRoutesOf(configSchema.parse({ ...base, checks: { cost } }))];
    expect(routes({ mode: 'enforce' })).toEqual(['compile']);
    expect(routes({ mode: 'enforce', routes: ['health'] })).toEqual(['health']);
    expect(routes({ mode: 'monitor' })).toEqual([]);
    expect(routes({ mode: 'enforce', over: 'slow' })).toEqual([]);
    expect(routes({})).toEqual([]);
  });
});

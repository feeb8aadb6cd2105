// Single-literal rules are cost inputs: a big literal alone is reported (scored) but not refused by the shipped
// rules, and the cost estimate finds no more work in it than the shipped maximum (vectors as data).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateFields } from '../../../src/cost/estimate.js';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const data = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/cost-inputs.json'), 'utf8'),
) as { vectors: { rule: string; tex: string }[] };
const engine = shippedEngine();
/** gateway.yaml's anonymous maximum and default bound. */
const MAX_UNITS = 100_000;

describe('single-literal rules are cost inputs', () => {
  it.each(data.vectors.map((v) => [v.tex, v.rule] as const))('%s: scored by %s, not refused', (tex, rule) => {
    const r = engine.inspect(compileRequest(tex));
    expect(r.matches.map((m) => m.rule)).toContain(rule);
    expect(r.deny).toBe(false);
    const fields = [{ name: 'tikz_code', path: 'tikz_code', value: tex, code: true }];
    expect(estimateFields(fields, { defaultBound: 1000 }).units).toBeLessThanOrEqual(MAX_UNITS);
  });
});

// `portcullis explain --request` shows the compile-cost estimate, and a request over the maximum is refused
// by the cost check as the gateway would (422 cost:<construct>).
import { describe, expect, it } from 'vitest';
import { explainRequest, formatRequestVerdict, type ExplainedRequest } from '../../../src/cli/explain-request.js';
import { configSchema } from '../../../src/config/schema.js';

const config = configSchema.parse({
  upstream: { url: 'http://127.0.0.1:1' },
  routes: [{ name: 'compile', methods: ['POST'], path: '/compile', inspect_body: true, code_fields: ['tikz_code'] }],
  checks: { signatures: { mode: 'off' }, cost: { mode: 'enforce', max_units: { anonymous: 5000 } } },
});
const req = (code: string): ExplainedRequest => ({
  method: 'POST',
  path: '/compile',
  headers: {},
  json: { tikz_code: code },
  tier: 'anonymous',
  user: null,
});

describe('explain: the cost estimate', () => {
  it('prints the estimate of an allowed request', () => {
    const r = req('\\draw[samples=100] plot (\\x,\\x);');
    const v = explainRequest(config, r);
    expect(v.decision).toBe('allow');
    expect(v.cost).toMatchObject({ units: 1001, lane: 'normal' });
    expect(formatRequestVerdict(r, v)).toMatch(
      /^cost: 1001 units, ~[\d.]+ s, lane normal: plot-samples x1000 \(tikz_code\), paths x1 \(tikz_code\)$/m,
    );
  });
  it('refuses over the maximum with the largest construct', () => {
    const r = req('\\def\\n{100}\\foreach \\x in {1,...,\\n} \\foreach \\y in {1,...,\\n} {}');
    const v = explainRequest(config, r);
    expect(v).toMatchObject({ decision: 'deny', status: 422, module: 'cost', reasons: ['cost:foreach'] });
    expect(formatRequestVerdict(r, v)).toContain('cost: 10000 units');
  });
});

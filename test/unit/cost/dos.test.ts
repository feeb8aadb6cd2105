// Every resource-exhaustion vector (test/vectors/cost/dos/*.tex) is refused by the cost check, for every tier
// of the shipped gateway.yaml and with the schema's defaults; and each construct has several of them.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costCheck } from '../../../src/checks/cost.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { RequestContext } from '../../../src/core/context.js';
import { costSchema } from '../../../src/cost/config.js';

const DIR = new URL('../../vectors/cost/dos/', import.meta.url);
const VECTORS = readdirSync(DIR)
  .filter((f) => f.endsWith('.tex'))
  .sort()
  .map((f) => ({ name: f, code: readFileSync(new URL(f, DIR), 'utf8') }));

function request(code: string, tier: string): RequestContext {
  const c = new RequestContext('POST', {}, 0);
  c.identity = { user: null, tier, method: 'anonymous' };
  c.route = { name: 'compile' } as RequestContext['route'];
  c.decoded = { type: 'json', fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }] };
  return c;
}

describe('resource-exhaustion vectors', () => {
  it('there are at least 20, several per construct family', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(20);
    const families = [
      'foreach',
      'loop',
      'whiledo',
      'pgfplots',
      'plot',
      'grid',
      'decoration',
      'lsystem',
      'recursion',
      'expansion',
    ];
    for (const f of families)
      expect(
        VECTORS.some((v) => v.name.includes(f)),
        f,
      ).toBe(true);
  });
  it('the schema defaults refuse every one', () => {
    const check = costCheck(costSchema.parse({ mode: 'enforce' }), 'enforce');
    for (const v of VECTORS) {
      const r = check.run(request(v.code, 'anonymous'));
      expect(r.kind === 'deny' ? r.status : r.kind, v.name).toBe(422);
    }
  });
  it('the shipped gateway.yaml refuses every one, for every tier', async () => {
    const config = await loadConfigFile(new URL('../../../gateway.yaml', import.meta.url).pathname);
    expect(config.checks.cost.mode).toBe('enforce');
    const check = costCheck(config.checks.cost, 'enforce');
    for (const tier of Object.keys(config.rate_limits.tiers)) {
      for (const v of VECTORS) {
        const r = check.run(request(v.code, tier));
        expect(r.kind === 'deny' ? r.reasons[0] : 'passed', `${v.name} (${tier})`).toMatch(/^cost:/);
      }
    }
  });
});

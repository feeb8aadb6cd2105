// The cost check adds no false positives on the PGF manual: with the shipped gateway.yaml, no code example of
// the manual (those test/corpus/pgf-manual-fp.test.ts judges) is over any tier's maximum, so the refusal rate
// of the whole gateway on the manual does not rise. Also reports how close the largest come.
import { describe, expect, it } from 'vitest';
import { costCheck } from '../../src/checks/cost.js';
import { loadConfigFile } from '../../src/config/load.js';
import { RequestContext } from '../../src/core/context.js';
import { hasPgfManual, loadPgfManual, pgfManualDir } from './pgf-manual.js';
import { EXCLUDED } from './pgf-manual-excluded.js';

const present = hasPgfManual();

describe.runIf(present || process.env.CI === 'true')('PGF manual code examples (cost estimate)', () => {
  it('none is over any tier maximum in the shipped gateway.yaml', async () => {
    expect(present, `PGF manual corpus missing in ${pgfManualDir()} (run scripts/fetch-pgf-manual.sh)`).toBe(true);
    const config = await loadConfigFile(new URL('../../gateway.yaml', import.meta.url).pathname);
    const check = costCheck(config.checks.cost, 'enforce');
    const anonymous = config.checks.cost.max_units['anonymous'] ?? config.checks.cost.default_max_units;
    const lowest = Math.min(
      ...Object.keys(config.rate_limits.tiers).map(
        (t) => config.checks.cost.max_units[t] ?? config.checks.cost.default_max_units,
      ),
    );
    const refused: string[] = [];
    const largest: [number, string][] = [];
    for (const s of loadPgfManual()) {
      if (Object.hasOwn(EXCLUDED, s.id)) continue;
      const c = new RequestContext('POST', {}, 0);
      c.route = { name: 'compile' } as RequestContext['route'];
      c.decoded = { type: 'json', fields: [{ name: 'tikz_code', path: 'tikz_code', value: s.text, code: true }] };
      if (check.run(c).kind !== 'continue') refused.push(`${s.id} ${JSON.stringify(c.cost)}`);
      // and under every tier's maximum (the suspicious tier's is the lowest)
      else if (c.cost!.units > lowest) refused.push(`${s.id} over ${lowest}: ${JSON.stringify(c.cost)}`);
      largest.push([c.cost!.units, s.id]);
    }
    largest.sort((a, b) => b[0] - a[0]);
    console.log(
      `cost on the PGF manual: largest ${largest
        .slice(0, 5)
        .map(([u, id]) => `${id} ${Math.round(u)}`)
        .join(', ')}; anonymous maximum ${anonymous}`,
    );
    expect(refused).toEqual([]);
  });
});

// What `portcullis check` says of the shared CRS release: rules by paranoia level, response rules left out,
// and each rule the engine cannot run, by id, file:line and why.
import { expect, it } from 'vitest';
import { loadCrs } from '../../../src/crs/load.js';
import { describeProgram } from '../../../src/crs/report.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';

describeCrs('the check report of a CRS directory', () => {
  it('lists rules by paranoia level and every rule it cannot run', () => {
    const { program } = loadCrs({ dir: CRS_DIR, paranoia_level: 2, anomaly_threshold: 5 });
    const lines = describeProgram(program, CRS_DIR, 2);
    expect(lines[0]).toMatch(/^crs: .*\(OWASP_CRS\/4\.28\.0\): \d+ request rules loaded, paranoia level 2 in force$/);
    expect(lines[1]).toMatch(
      /^crs: by paranoia level: \d+ without a level \(setup, scoring\), PL1 \d+, PL2 \d+, PL3 \d+, PL4 \d+$/,
    );
    expect(lines[2]).toMatch(/^crs: \d+ response rules \(phases 3-5\) not run/);
    const unsupported = lines.filter((l) => l.startsWith('crs:   '));
    expect(unsupported.map((l) => /^crs: {3}(\d+) /.exec(l)?.[1])).toEqual([
      '901320',
      '941100',
      '941101',
      '942100',
      '942101',
    ]);
    expect(unsupported[1]).toMatch(
      /REQUEST-941-APPLICATION-ATTACK-XSS\.conf:\d+\): operator @detectXSS is not supported$/,
    );
    expect(lines).toContain(`crs: ${unsupported.length} rules cannot run here:`);
  });
});

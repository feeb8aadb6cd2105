// CRS's own regression tests (go-ftw YAML, REQUEST-930 ... 944) against real gateways running CRS, one per
// paranoia level, each test at the paranoia level of its rule. Requests are sent as written over raw sockets;
// the expected rule ids must be among the refusal's reasons (anomaly threshold 1, so any scoring match refuses
// and lists every rule that matched), the negative ones absent. Out-of-scope tests are listed in
// test/vectors/crs/out-of-scope.yaml with their reason, still run, and must still be refused as listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';
import { loadCrs } from '../../../src/crs/load.js';
import { loadFtwTests, pool, send, type Answer, type FtwStage, type FtwTest } from './ftw.js';

const FILES = ['REQUEST-930', 'REQUEST-931', 'REQUEST-932', 'REQUEST-933', 'REQUEST-934'].concat([
  'REQUEST-941',
  'REQUEST-942',
  'REQUEST-943',
  'REQUEST-944',
]);
/** Node's own parser refused the request: no rule of any gateway could run. */
const NODE_REFUSALS = new Set(['request:malformed', 'request:ambiguous_framing', 'request:headers_too_large']);
const GOAL = 0.95;

interface OutOfScope {
  readonly test: string;
  readonly reason: string;
}

const outOfScope = new Map(
  (parse(readFileSync(join(import.meta.dirname, '../../vectors/crs/out-of-scope.yaml'), 'utf8')) as OutOfScope[]).map(
    (o) => [o.test, o.reason],
  ),
);

function config(upstream: string, pl: number): string {
  return baseConfig(
    upstream,
    `refusals: { disclose: codes }
routes:
  - name: any
    path: /*
    inspect_body: true
    max_body_bytes: 1048576
    max_field_chars: 1048576
    code_fields: [tikz_code]
  - name: root
    path: /
    inspect_body: true
    max_body_bytes: 1048576
    max_field_chars: 1048576
    code_fields: [tikz_code]
checks:
  signatures: { mode: off }
  crs: { mode: enforce, dir: ${CRS_DIR}, paranoia_level: ${pl}, anomaly_threshold: 1 }
`,
  );
}

type Outcome = 'pass' | 'fail' | 'node' | 'protocol';

function judge(stage: FtwStage, a: Answer): Outcome {
  if (a.reasons.some((r) => NODE_REFUSALS.has(r))) return 'node';
  if (a.status === 0) return 'fail';
  const ids = new Set(a.reasons.filter((r) => r.startsWith('crs:')).map((r) => Number(r.slice(4))));
  if (stage.expectIds.length > 0 && ids.size === 0 && a.reasons.length > 0) return 'protocol';
  for (const id of stage.expectIds) if (!ids.has(id)) return 'fail';
  for (const id of stage.noExpectIds) if (ids.has(id)) return 'fail';
  if (stage.expectIds.length === 0 && stage.noExpectIds.length === 0 && stage.status.length > 0) {
    return stage.status.includes(a.status) ? 'pass' : 'fail';
  }
  return 'pass';
}

describeCrs('CRS regression tests (go-ftw) on the gateway', () => {
  let upstream: TestUpstream;
  const gateways = new Map<number, TestGateway>();
  let paranoiaOf: Map<number, number>;

  beforeAll(async () => {
    upstream = await startUpstream();
    const program = loadCrs({ dir: CRS_DIR, paranoia_level: 1, anomaly_threshold: 5 }).program;
    paranoiaOf = new Map();
    for (const phase of program.phases) for (const r of phase) if (r.marker === null) paranoiaOf.set(r.id, r.paranoia);
    for (const pl of [1, 2, 3, 4]) gateways.set(pl, await startTestGateway(config(upstream.url, pl)));
  }, 120_000);

  afterAll(async () => {
    for (const g of gateways.values()) await g.close();
    await upstream?.close();
  });

  it('passes at least 95% of the in-scope tests of each file REQUEST-930 ... 944', async () => {
    const tests = loadFtwTests(join(CRS_DIR, 'tests/regression/tests'), FILES);
    const results = await pool(tests, 16, async (t: FtwTest) => {
      const pl = Math.max(1, paranoiaOf.get(t.ruleId) ?? 1);
      const port = Number(new URL(gateways.get(pl)!.url).port);
      const outcomes: Outcome[] = [];
      for (const s of t.stages) outcomes.push(judge(s, await send(port, s.raw)));
      const worst = (['node', 'protocol', 'fail', 'pass'] as const).find((o) => outcomes.includes(o)) ?? 'pass';
      return { t, outcome: worst };
    });
    const perFile = new Map<string, { pass: number; fail: number; protocol: number; out: number; failed: string[] }>();
    const wronglyListed: string[] = [];
    for (const { t, outcome } of results) {
      const f = perFile.get(t.file) ?? { pass: 0, fail: 0, protocol: 0, out: 0, failed: [] };
      perFile.set(t.file, f);
      const listed = outOfScope.has(t.name);
      if (listed) {
        f.out++;
        if (outcome !== 'node') wronglyListed.push(`${t.name} (${outcome})`);
      } else if (outcome === 'pass') f.pass++;
      else {
        if (outcome === 'protocol') f.protocol++;
        else f.fail++;
        f.failed.push(`${t.name}${outcome === 'fail' ? '' : `(${outcome})`}`);
      }
    }
    const lines = [
      '| file | in scope | passed | rate | refused before CRS | out of scope |',
      '|---|---|---|---|---|---|',
    ];
    let allIn = 0;
    let allPass = 0;
    for (const [file, f] of perFile) {
      const inScope = f.pass + f.fail + f.protocol;
      allIn += inScope;
      allPass += f.pass;
      lines.push(
        `| ${file} | ${inScope} | ${f.pass} | ${((100 * f.pass) / inScope).toFixed(1)}% | ${f.protocol} | ${f.out} |`,
      );
    }
    lines.push(`| all | ${allIn} | ${allPass} | ${((100 * allPass) / allIn).toFixed(1)}% | | |`);
    console.log(lines.join('\n'));
    for (const [file, f] of perFile) if (f.failed.length > 0) console.log(`${file} not passed: ${f.failed.join(' ')}`);
    expect(wronglyListed, 'listed out of scope, but Node did not refuse them').toEqual([]);
    for (const [file, f] of perFile) {
      const inScope = f.pass + f.fail + f.protocol;
      expect(f.pass / inScope, `${file}: ${f.pass}/${inScope}`).toBeGreaterThanOrEqual(GOAL);
    }
  }, 600_000);
});

// The estimate against measured compile times (data/cost-calibration.json, made by scripts/cost-calibrate.mjs
// on the reference compile service): the current estimate must still rank the measured examples with
// Spearman's rho above a floor, and refuse (shipped gateway.yaml, anonymous tier) every vector that timed
// out or ran out of memory. CI checks the data; it does not measure again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateText } from '../../../src/cost/estimate.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { hasPgfManual, loadPgfManual } from '../../corpus/pgf-manual.js';

interface Row {
  readonly kind: 'manual' | 'dos';
  readonly id: string;
  readonly sha256: string;
  readonly outcome: string;
  readonly cpu_ms: number;
  readonly units: number;
}
const DATA = JSON.parse(readFileSync(new URL('../../../data/cost-calibration.json', import.meta.url), 'utf8')) as {
  command: string;
  timeout_ms: number;
  default_bound: number;
  spearman_rho: number;
  results: Row[];
};
const RHO_FLOOR = 0.5;

function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length).fill(0);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex').slice(0, 16);
const measured = (r: Row) => r.outcome === 'ok' || r.outcome === 'timeout' || r.outcome === 'memory';

/** The texts measured, by id, when they are still the texts that were measured. */
function texts(): Map<string, string> {
  const m = new Map<string, string>();
  const dir = new URL('../../vectors/cost/dos/', import.meta.url);
  for (const r of DATA.results) {
    if (r.kind !== 'dos') continue;
    const t = readFileSync(new URL(r.id, dir), 'utf8');
    if (sha(t) === r.sha256) m.set(r.id, t);
  }
  if (hasPgfManual()) for (const s of loadPgfManual()) m.set(s.id, s.text);
  return m;
}

describe('cost calibration data', () => {
  it('names its command and holds enough measurements', () => {
    expect(DATA.command).toMatch(/^node scripts\/cost-calibrate\.mjs/);
    expect(DATA.results.filter(measured).length).toBeGreaterThanOrEqual(80);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  });
  it('the current estimate ranks the measured compile times with rho above the floor', () => {
    const t = texts();
    const rows = DATA.results.filter((r) => measured(r) && t.has(r.id));
    expect(rows.length).toBeGreaterThanOrEqual(hasPgfManual() ? 80 : 10);
    const units = rows.map((r) => estimateText(t.get(r.id)!, { defaultBound: DATA.default_bound }).units);
    const rho = spearman(
      units,
      rows.map((r) => r.cpu_ms),
    );
    console.log(
      `cost calibration: rho ${rho.toFixed(3)} over ${rows.length} measured (data file: ${DATA.spearman_rho})`,
    );
    expect(rho).toBeGreaterThan(RHO_FLOOR);
  });
  it('every vector that timed out or ran out of memory is refused by the shipped configuration', async () => {
    const config = await loadConfigFile(new URL('../../../gateway.yaml', import.meta.url).pathname);
    const c = config.checks.cost;
    const t = texts();
    const heavy = DATA.results.filter(
      (r) => r.outcome === 'timeout' || r.outcome === 'memory' || r.cpu_ms >= DATA.timeout_ms,
    );
    expect(heavy.length).toBeGreaterThanOrEqual(15);
    for (const r of heavy) {
      if (!t.has(r.id)) continue;
      const units = estimateText(t.get(r.id)!, { defaultBound: c.default_bound }).units;
      expect(units, r.id).toBeGreaterThan(c.max_units['premium'] ?? c.default_max_units);
    }
  });
});

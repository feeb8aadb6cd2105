// Bench report: ratios are taken within each round, medians over rounds, and a gateway row with any non-2xx is
// invalid (it measured refusals, not the gateway).
import { describe, expect, it } from 'vitest';
import { MIN_REGRESSION, markdown, summarise, type BenchRun, type BenchTarget } from '../../../bench/lib/report.mjs';

const targets: BenchTarget[] = [
  { name: 'bare-undici', kind: 'bare', ok: true, pid: 1 },
  { name: 'gateway', kind: 'gateway', ok: true, pid: 2 },
  { name: 'bare-undici-aa', kind: 'aa', ok: true, pid: 3 },
];

function run(target: string, round: number, rps: number, cpu: number, non2xx = 0): BenchRun {
  return {
    target,
    round,
    rps,
    p50_us: 1000,
    p99_us: 5000,
    non2xx,
    errors: 0,
    timeouts: 0,
    proxy_cpu_us_per_req: cpu,
    upstream_cpu_us_per_req: 20,
    shared_cpu_us_per_req: 0,
    loadgen_busy_pct: 50,
    foreign_pct: 1,
    discarded: [],
  };
}

// Round 2 is slow for everyone (a disturbed machine): per-round ratios stay put, a ratio of medians would not.
const runs: BenchRun[] = [
  run('bare-undici', 1, 10_000, 50),
  run('gateway', 1, 9_000, 60),
  run('bare-undici-aa', 1, 10_100, 50),
  run('bare-undici', 2, 5_000, 50),
  run('gateway', 2, 4_500, 62),
  run('bare-undici-aa', 2, 4_900, 51),
  run('bare-undici', 3, 10_200, 50),
  run('gateway', 3, 9_180, 61),
  run('bare-undici-aa', 3, 10_000, 49),
];

/** The run header bench/run.mjs writes, for these bodies. */
function header(bodies: { file: string; bytes: number; vary: boolean }[]): Record<string, unknown> {
  const h = { when: 'now', node: 'v20', bodies, rounds: 3, duration_s: 10, warmup_s: 3, connections: 50 };
  return { ...h, pinning: 'none', gateways: [] };
}

describe('bench summary', () => {
  it('takes the ratio to the bare proxy within each round, then the median', () => {
    const s = summarise(targets, runs);
    const gw = s.rows.find((r) => r.target === 'gateway')!;
    expect(gw.ratio).toBeCloseTo(0.9, 6);
    expect(gw.rps).toBe(9_000);
    expect(gw.cpu_delta_us).toBeCloseTo(11, 6);
    expect(s.invalid).toEqual([]);
  });

  it('reports how far the A/A row strays from 1.00', () => {
    const s = summarise(targets, runs);
    expect(s.aaSpread).toBeCloseTo(0.02, 6); // 4,900 / 5,000
  });

  it('marks a gateway row with any non-2xx invalid, in the summary and the table', () => {
    const bad = runs.map((r) => (r.target === 'gateway' && r.round === 3 ? { ...r, non2xx: 1 } : r));
    const s = summarise(targets, bad);
    expect(s.invalid).toEqual(['gateway']);
    const md = markdown(header([{ file: 'b.json', bytes: 620, vary: false }]), s);
    expect(md).toContain('| gateway **INVALID** |');
    expect(md).toContain('**Invalid rows**');
  });

  it('with several bodies, compares each row with the bare proxy on the same body', () => {
    // Two bodies (rows NAME@BODY, as bench/run.mjs names them): the 10 KB body halves everyone's rate.
    const rows: BenchTarget[] = ['620', '10k'].flatMap((b) =>
      targets.map((t) => ({ ...t, name: `${t.name}@${b}`, bare: `bare-undici@${b}` })),
    );
    const both: BenchRun[] = runs.flatMap((r) => [
      { ...r, target: `${r.target}@620` },
      { ...r, target: `${r.target}@10k`, rps: r.target === 'gateway' ? r.rps * 0.4 : r.rps * 0.5 },
    ]);
    const s = summarise(rows, both);
    expect(s.rows.find((r) => r.target === 'gateway@620')!.ratio).toBeCloseTo(0.9, 6);
    expect(s.rows.find((r) => r.target === 'gateway@10k')!.ratio).toBeCloseTo(0.72, 6);
    expect(s.aaSpread).toBeCloseTo(0.02, 6);
    const md = markdown(
      header([
        { file: 'a.json', bytes: 620, vary: true },
        { file: 'b.json', bytes: 10_000, vary: true },
      ]),
      s,
    );
    expect(md).toContain('a.json (620 bytes) and b.json (10000 bytes), a different body on every request');
    expect(md).toContain('| gateway@10k | 3600 | 0.720 (0.72–0.72) |');
  });

  it('lists a target that failed its sanity request as not benched, and a gateway as invalid', () => {
    const t = targets.map((x) =>
      x.name === 'gateway' ? { ...x, ok: false, sanity: { status: 403, type: 'application/json' } } : x,
    );
    const s = summarise(
      t,
      runs.filter((r) => r.target !== 'gateway'),
    );
    expect(s.rows.find((r) => r.target === 'gateway')!.benched).toBe(false);
    expect(s.invalid).toEqual(['gateway']);
  });
});

describe('bench --base verdict', () => {
  // gateway (the working tree) and gateway@base (the base commit's build), same request, same rounds.
  const withBase: BenchTarget[] = [
    { name: 'bare-undici', kind: 'bare', ok: true, pid: 1 },
    { name: 'gateway', kind: 'gateway', ok: true, pid: 2, vsBase: 'gateway@base' },
    { name: 'gateway@base', kind: 'gateway', ok: true, pid: 4 },
    { name: 'bare-undici-aa', kind: 'aa', ok: true, pid: 3 },
  ];
  /** Rounds with these gateway / gateway@base req/s, the bare proxy 10,000 and its A/A twin aa[i]. */
  function rounds(gw: number[], base: number[], aa: number[]): BenchRun[] {
    return gw.flatMap((g, i) => [
      run('bare-undici', i + 1, 10_000, 50),
      run('gateway', i + 1, g, 60),
      run('gateway@base', i + 1, base[i]!, 58),
      run('bare-undici-aa', i + 1, aa[i]!, 50),
    ]);
  }
  const quietAA = [10_000, 10_050, 9_950]; // ±0.5 %: the 2 % floor applies

  it('takes the median of per-round ratios to the base, not the ratio of medians', () => {
    // Round 2 is slow for everyone: the per-round ratios are 0.99, 0.99, 1.00.
    const s = summarise(withBase, rounds([9_900, 4_950, 9_000], [10_000, 5_000, 9_000], quietAA));
    const v = s.versusBase[0]!;
    expect(v.target).toBe('gateway');
    expect(v.base).toBe('gateway@base');
    expect(v.ratio).toBeCloseTo(0.99, 6);
    expect([v.ratio_min, v.ratio_max]).toEqual([0.99, 1]);
    expect(v.verdict).toBe('pass');
  });

  it('FAILS a row slower than its base by more than 2% when the A/A row is quieter than that', () => {
    const s = summarise(withBase, rounds([9_700, 9_760, 9_700], [10_000, 10_000, 10_000], quietAA));
    expect(s.aaSpread).toBeCloseTo(0.005, 6);
    expect(s.versusBase[0]!.threshold).toBe(MIN_REGRESSION);
    expect(s.versusBase[0]!.ratio).toBeCloseTo(0.97, 6);
    expect(s.versusBase[0]!.verdict).toBe('FAIL');
    // Exactly 2 % slower is still within the allowance.
    expect(
      summarise(withBase, rounds([9_800, 9_800, 9_800], [10_000, 10_000, 10_000], quietAA)).versusBase[0]!.verdict,
    ).toBe('pass');
  });

  it('allows the A/A spread when the run was noisier than 2%', () => {
    const noisyAA = [10_000, 10_400, 9_700]; // A/A strays up to 4 %
    const s = summarise(withBase, rounds([9_700, 9_650, 9_700], [10_000, 10_000, 10_000], noisyAA));
    expect(s.versusBase[0]!.threshold).toBeCloseTo(0.04, 6);
    expect(s.versusBase[0]!.verdict).toBe('pass'); // 3 % slower, within this run's noise
    const worse = summarise(withBase, rounds([9_500, 9_550, 9_500], [10_000, 10_000, 10_000], noisyAA));
    expect(worse.versusBase[0]!.verdict).toBe('FAIL'); // 5 % slower: more than the noise
  });

  it('gives no verdict when either row is invalid or not benched', () => {
    const bad = rounds([9_900, 9_900, 9_900], [10_000, 10_000, 10_000], quietAA).map((r) =>
      r.target === 'gateway@base' && r.round === 2 ? { ...r, non2xx: 3 } : r,
    );
    expect(summarise(withBase, bad).versusBase[0]!.verdict).toBe('invalid');
    const down = withBase.map((t) =>
      t.name === 'gateway@base' ? { ...t, ok: false, sanity: { status: 500, type: 'text/plain' } } : t,
    );
    const s = summarise(down, rounds([9_900, 9_900, 9_900], [10_000, 10_000, 10_000], quietAA));
    expect(s.versusBase[0]!.verdict).toBe('invalid');
    expect(s.invalid).toEqual(['gateway@base']);
  });

  it('writes a verdict line per gateway row under the table', () => {
    const s = summarise(withBase, rounds([9_700, 9_760, 9_700], [10_000, 10_000, 10_000], quietAA));
    const h = {
      ...header([{ file: 'b.json', bytes: 620, vary: false }]),
      base: { ref: 'main', commit: 'a'.repeat(40), deps: 'shared' },
    };
    const md = markdown(h, s);
    expect(md).toContain('| gateway@base | 10000 |');
    expect(md).toContain('FAIL when slower than the base by more than max(A/A spread 0.5%, 2%) = 2.0%');
    expect(md).toContain('- gateway ÷ gateway@base: 0.970 (0.97–0.98): **FAIL** (3.0% slower)');
    expect(md).toContain('gateway built from main (commit aaaaaaaaaaaa)');
  });
});

describe('bench --reject', () => {
  // The gateway refuses (404) what the bare node:http server answers 200; its non-2xx are the measurement.
  const q = { label: 'get-404', goal: 0.7 };
  const rows: BenchTarget[] = [
    { name: 'bare-node@get-404', kind: 'bare', ok: true, pid: 1, bare: 'bare-node@get-404', expect: 200, request: q },
    { name: 'gateway@get-404', kind: 'gateway', ok: true, pid: 2, bare: 'bare-node@get-404', expect: 404, request: q },
  ];
  const refused = (target: string, round: number, rps: number, statuses: Record<string, number>): BenchRun => ({
    ...run(target, round, rps, 30, statuses['200'] === undefined ? rps * 10 : 0),
    statuses,
    requests: rps * 10,
  });

  it('does not count the expected refusals against a row, but any other status', () => {
    const runs = [1, 2, 3].flatMap((r) => [
      refused('bare-node@get-404', r, 20_000, { '200': 200_000 }),
      refused('gateway@get-404', r, 12_000, { '404': 120_000 }),
    ]);
    const s = summarise(rows, runs);
    const gw = s.rows.find((r) => r.target === 'gateway@get-404')!;
    expect(gw.bad).toBe(0);
    expect(gw.ratio).toBeCloseTo(0.6, 6);
    expect(s.invalid).toEqual([]);
    const h = { ...header([]), reject: true, requests: [] };
    const md = markdown(h, s);
    expect(md).toContain('| gateway@get-404 | 12000 | 0.600 (0.60–0.60) |');
    expect(md).toContain('| 404 (0 others) / 0 |');
    expect(md).toContain('- gateway@get-404: 0.600x (goal ≥ 0.7x: **not met**)');

    const other = runs.map((r) =>
      r.target === 'gateway@get-404' && r.round === 2 ? { ...r, statuses: { '404': 119_990, '429': 10 } } : r,
    );
    expect(summarise(rows, other).invalid).toEqual(['gateway@get-404']);
  });
});

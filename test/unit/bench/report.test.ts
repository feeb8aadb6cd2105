// Bench report: ratios are taken within each round, medians over rounds, and a gateway row with any non-2xx is
// invalid (it measured refusals, not the gateway).
import { describe, expect, it } from 'vitest';
import { markdown, summarise, type BenchRun, type BenchTarget } from '../../../bench/lib/report.mjs';

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

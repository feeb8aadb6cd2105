// Types for bench/lib/report.mjs (so the TypeScript tests can import it).
export interface BenchTarget {
  name: string;
  kind: 'direct' | 'bare' | 'gateway' | 'aa';
  ok: boolean;
  pid: number | null;
  sanity?: { status: number; type: string };
  /** The row this one's ratios are taken against (default 'bare-undici'): the bare proxy on the same body. */
  bare?: string;
  /** The status this row must answer (default 200: any 2xx); --reject's gateway rows expect their refusal. */
  expect?: number;
  /** --base: the row of the same gateway built from the base commit, same request; gets a verdict. */
  vsBase?: string;
  /** What the row is sent (--reject: with the goal). */
  request?: { label: string; goal?: number };
}
export interface BenchRun {
  target: string;
  round: number;
  rps: number;
  p50_us: number;
  p99_us: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  proxy_cpu_us_per_req: number | null;
  upstream_cpu_us_per_req: number | null;
  shared_cpu_us_per_req: number | null;
  loadgen_busy_pct: number;
  foreign_pct: number;
  discarded: unknown[];
  /** Answers per status code in the measured window. */
  statuses?: Record<string, number>;
  requests?: number;
}
export interface BenchRow {
  target: string;
  kind: string;
  benched: boolean;
  rounds?: number;
  rps?: number | null;
  ratio?: number | null;
  ratio_min?: number | null;
  ratio_max?: number | null;
  p50_us?: number | null;
  p99_us?: number | null;
  proxy_cpu_us_per_req?: number | null;
  cpu_delta_us?: number | null;
  bad?: number;
  expect?: number | null;
  unexpected?: number;
}
/** --base: a gateway row against the same gateway built from the base commit. */
export interface BaseVerdict {
  target: string;
  base: string;
  /** Median over rounds of the per-round ratio req/s(target) / req/s(base). */
  ratio: number | null;
  ratio_min: number | null;
  ratio_max: number | null;
  /** max(A/A spread, MIN_REGRESSION): slower than 1 - threshold FAILS. */
  threshold: number;
  aaSpread: number | null;
  verdict: 'pass' | 'FAIL' | 'invalid';
}
export interface BenchSummary {
  rows: BenchRow[];
  invalid: string[];
  aaSpread: number | null;
  versusBase: BaseVerdict[];
}
export const MIN_REGRESSION: number;
export function summarise(targets: BenchTarget[], runs: BenchRun[]): BenchSummary;
export function markdown(header: Record<string, unknown>, summary: BenchSummary): string;

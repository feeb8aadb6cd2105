// Types for bench/lib/report.mjs (so the TypeScript tests can import it).
export interface BenchTarget {
  name: string;
  kind: 'direct' | 'bare' | 'gateway' | 'aa';
  ok: boolean;
  pid: number | null;
  sanity?: { status: number; type: string };
  /** The row this one's ratios are taken against (default 'bare-undici'): the bare proxy on the same body. */
  bare?: string;
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
}
export interface BenchSummary {
  rows: BenchRow[];
  invalid: string[];
  aaSpread: number | null;
}
export function summarise(targets: BenchTarget[], runs: BenchRun[]): BenchSummary;
export function markdown(header: Record<string, unknown>, summary: BenchSummary): string;

// What a forwarded compile came to (its outcome and time), and the per-route settings that derive it.
// In core/ because the request context and the compiled route carry them; proxy/compile-outcome.ts derives them.

/**
 * The outcomes of one forwarded compile. The first five are the compile service's own words (its outcome
 * header); the others are what the gateway can tell without it: `rejected` (the service refused the request:
 * another 4xx), `error` (another failure: 5xx, connection refused or reset), `aborted` (the client left first).
 */
export const COMPILE_OUTCOMES = [
  'ok',
  'tex_error',
  'timeout',
  'memory',
  'too_large',
  'rejected',
  'error',
  'aborted',
] as const;
export type CompileOutcomeName = (typeof COMPILE_OUTCOMES)[number];

/** The outcomes a compile service may state in its outcome header. */
export const HEADER_OUTCOMES = ['ok', 'tex_error', 'timeout', 'memory', 'too_large'] as const;
export type HeaderOutcome = (typeof HEADER_OUTCOMES)[number];

export interface CompileOutcome {
  readonly outcome: CompileOutcomeName;
  /** Wall-clock milliseconds: the service's own figure (trusted header) or the gateway's measure. */
  readonly wallMs: number;
  /** CPU milliseconds, only ever from a trusted header; null when unknown. */
  readonly cpuMs: number | null;
  /** 'headers': read from the trusted outcome headers; 'inferred': from the status, the time, the failure. */
  readonly source: 'headers' | 'inferred';
  /** Why the route's trusted outcome headers were not used (counted); null when used, or not trusted. */
  readonly headerProblem: HeaderProblem | null;
}

/** Why trusted outcome headers were not used (counted; the outcome is inferred instead). */
export type HeaderProblem = 'missing' | 'malformed' | 'inconsistent';

/** A route's compile settings, built once from `routes[].compile` (proxy/compile-outcome.ts). */
export interface CompileSettings {
  /** Read the outcome headers (else they are ignored and the outcome inferred). */
  readonly trust: boolean;
  /** Lower-case header names. */
  readonly outcomeHeader: string;
  readonly wallHeader: string;
  readonly cpuHeader: string;
  /** Remove the three headers from the answer the client gets. */
  readonly strip: boolean;
  /** Upstream status -> outcome, for statuses other than 2xx that the route maps. */
  readonly statuses: ReadonlyMap<number, CompileOutcomeName>;
  /** Which compiles write a security event: every one, those not `ok`, or none. */
  readonly events: 'all' | 'failures' | 'off';
  /** Tiers that are metric labels (the configured rate tiers); any other tier is counted as `other`. */
  readonly tiers: ReadonlySet<string>;
}

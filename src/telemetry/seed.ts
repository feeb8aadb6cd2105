// Labelled counters at zero for their known label sets: a series that first appears at 1 hides its first
// increment from rate() and increase(), so alerts built on them miss the first refusals. Bounded: routes,
// check names and kinds come from code and the configuration, never from clients.
import type { Metrics } from './metrics.js';

/** Node's parser refusals (http/client-errors.ts classify). */
const CLIENT_ERROR_KINDS = [
  'headers_too_large',
  'header_timeout',
  'body_timeout',
  'ambiguous_framing',
  'malformed',
  'bad_chunk',
  'reset',
] as const;
/** proxy/upstream-error.ts UpstreamErrorKind. */
const UPSTREAM_ERROR_KINDS = ['refused', 'timeout', 'reset', 'response_too_large', 'other'] as const;
/** core/errors.ts StoreErrorKind. */
const STORE_ERROR_KINDS = ['timeout', 'connection', 'busy', 'script', 'closed', 'cross_slot'] as const;
/** Each decision with the status it usually comes with (other statuses appear when first used). */
const REQUEST_OUTCOMES = [
  ['allow', '200'],
  ['deny', '403'],
  ['challenge', '401'],
  ['limit', '429'],
  ['refuse', '400'],
  ['error', '502'],
] as const;
const EVENT_DECISIONS = ['allow', 'deny', 'challenge', 'limit', 'refuse', 'error'] as const;

/** The series that do not depend on the configuration: created once, with the metrics. */
export function seedProcessSeries(m: Metrics): void {
  // prom-client makes a series on its first inc(): inc(0) makes it at zero
  for (const k of CLIENT_ERROR_KINDS) m.clientErrors.labels(k).inc(0);
  for (const k of STORE_ERROR_KINDS) m.storeErrors.labels(k).inc(0);
  for (const r of ['success', 'failure']) m.reloads.labels(r).inc(0);
  for (const d of EVENT_DECISIONS) m.securityEvents.labels(d).inc(0);
}

export interface ConfigSeries {
  /** Route names of the configuration (the data plane adds _unmatched). */
  readonly routes: readonly string[];
  /** Names of the checks built. */
  readonly checks: readonly string[];
  /** Refusal series every route can have, as [module, reason] (e.g. block, block:rule). */
  readonly refusals: readonly (readonly [string, string])[];
}

/** The series a configuration makes possible: created when it swaps in (series of earlier ones stay). */
export function seedConfigSeries(m: Metrics, c: ConfigSeries): void {
  for (const route of [...c.routes, '_unmatched']) {
    for (const [decision, status] of REQUEST_OUTCOMES) m.requests.child(route, decision, status);
    for (const k of UPSTREAM_ERROR_KINDS) m.upstreamErrors.child(route, k);
    for (const [module, reason] of c.refusals) m.refusals.child(route, module, reason);
  }
  for (const check of c.checks) m.checkErrors.labels(check).inc(0);
}

// Reads what a forwarded compile came to: from the compile service's outcome headers when the route trusts
// them (validated strictly), else from the status, the time it took and the failures the gateway saw itself.
// Pure functions: the caller passes the time, so tests drive them from vectors without a clock.
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import {
  HEADER_OUTCOMES,
  type CompileOutcome,
  type CompileOutcomeName,
  type CompileSettings,
  type HeaderOutcome,
  type HeaderProblem,
} from '../core/compile.js';
import type { UpstreamErrorKind } from './upstream-error.js';
import type { CompileConfig } from './compile-config.js';
import { MAX_TIMEOUT_MS } from '../config/limits.js';

/** Longest compile time a header may state: one day. Longer is a lie or a bug, never a measure. */
export const MAX_HEADER_MS = MAX_TIMEOUT_MS;

/** Failures the gateway sees itself, besides the upstream error kinds. */
export type GatewayFailure = UpstreamErrorKind | 'body_too_large' | 'client_gone';

export function buildCompileSettings(c: CompileConfig, tiers: Iterable<string>): CompileSettings {
  const statuses = new Map<number, CompileOutcomeName>();
  for (const s of c.statuses.tex_error) statuses.set(s, 'tex_error');
  for (const s of c.statuses.timeout) statuses.set(s, 'timeout');
  for (const s of c.statuses.memory) statuses.set(s, 'memory');
  for (const s of c.statuses.too_large) statuses.set(s, 'too_large');
  return Object.freeze({
    trust: c.outcome_headers === 'trust',
    outcomeHeader: c.headers.outcome.toLowerCase(),
    wallHeader: c.headers.wall_ms.toLowerCase(),
    cpuHeader: c.headers.cpu_ms.toLowerCase(),
    strip: c.strip_headers,
    statuses,
    events: c.events,
    tiers: new Set(tiers),
  });
}

const HEADER_OUTCOME_SET: ReadonlySet<string> = new Set(HEADER_OUTCOMES);

/** Milliseconds as a header states them: 1-9 ASCII digits, at most MAX_HEADER_MS; else null. */
function parseMs(v: string): number | null {
  if (!/^[0-9]{1,9}$/.test(v)) return null;
  const n = Number(v);
  return n <= MAX_HEADER_MS ? n : null;
}

/** One header's single value; undefined when absent, null when repeated (two values cannot both be the answer). */
function single(headers: IncomingHttpHeaders, name: string): string | null | undefined {
  // Own properties only: a header named like an Object.prototype member must not read the prototype.
  const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (v === undefined || typeof v === 'string') return v;
  return v.length === 1 ? v[0]! : null;
}

/** The outcome a status means when nothing better is known. */
export function outcomeOfStatus(s: CompileSettings, status: number): CompileOutcomeName {
  if (status >= 200 && status < 300) return 'ok';
  const mapped = s.statuses.get(status);
  if (mapped !== undefined) return mapped;
  return status >= 400 && status < 500 ? 'rejected' : 'error';
}

function inferred(
  s: CompileSettings,
  status: number,
  elapsedMs: number,
  headerProblem: HeaderProblem | null,
): CompileOutcome {
  const outcome = outcomeOfStatus(s, status);
  return { outcome, wallMs: roundMs(elapsedMs), cpuMs: null, source: 'inferred', headerProblem };
}

/**
 * The outcome of an answer that arrived (status and headers). `elapsedMs`: the gateway's measure from sending
 * the request to the answer (its headers, or its end when the answer was buffered for inspection).
 */
export function readOutcome(
  s: CompileSettings,
  status: number,
  headers: IncomingHttpHeaders,
  elapsedMs: number,
): CompileOutcome {
  if (!s.trust) return inferred(s, status, elapsedMs, null);
  const o = single(headers, s.outcomeHeader);
  const wall = single(headers, s.wallHeader);
  const cpu = single(headers, s.cpuHeader);
  if (o === undefined && wall === undefined && cpu === undefined) {
    return inferred(s, status, elapsedMs, 'missing');
  }
  const wallMs = typeof wall === 'string' ? parseMs(wall) : null;
  // The CPU figure is optional: absent is unknown (null), present but bad is malformed (undefined).
  const cpuMs = cpu === undefined ? null : typeof cpu === 'string' ? (parseMs(cpu) ?? undefined) : undefined;
  // A partial set, a repeated header, an unknown outcome or a figure that is not a bounded integer: the whole
  // set is ignored (a service that says one thing wrong is not believed on the rest).
  if (typeof o !== 'string' || !HEADER_OUTCOME_SET.has(o) || wallMs === null || cpuMs === undefined) {
    return inferred(s, status, elapsedMs, 'malformed');
  }
  // The status must agree: a failure cannot be labelled ok, nor a 2xx answer a failure.
  if ((o === 'ok') !== (status >= 200 && status < 300)) {
    return inferred(s, status, elapsedMs, 'inconsistent');
  }
  return { outcome: o as HeaderOutcome, wallMs, cpuMs, source: 'headers', headerProblem: null };
}

/** The outcome of a forwarded compile that the gateway saw fail (no usable answer). */
export function failureOutcome(kind: GatewayFailure, elapsedMs: number): CompileOutcome {
  const outcome = outcomeOfFailure(kind);
  return { outcome, wallMs: roundMs(elapsedMs), cpuMs: null, source: 'inferred', headerProblem: null };
}

export function outcomeOfFailure(kind: GatewayFailure): CompileOutcomeName {
  switch (kind) {
    case 'timeout':
      return 'timeout';
    case 'response_too_large':
      return 'too_large';
    case 'body_too_large':
      return 'rejected';
    case 'client_gone':
      return 'aborted';
    default:
      return 'error';
  }
}

/** The answer's headers without the outcome headers (a copy, only when one of them is there). */
export function stripCompileHeaders(s: CompileSettings, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  if (
    !Object.hasOwn(headers, s.outcomeHeader) &&
    !Object.hasOwn(headers, s.wallHeader) &&
    !Object.hasOwn(headers, s.cpuHeader)
  )
    return headers;
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k !== s.outcomeHeader && k !== s.wallHeader && k !== s.cpuHeader) out[k] = v;
  }
  return out;
}

function roundMs(ms: number): number {
  return ms > 0 ? Math.round(ms) : 0;
}

// The Verdict value every check returns: continue (with score and reasons) or a terminal refusal.
// Blocking is a returned value; an exception thrown by a check means a fault, never "blocked".

/** Where a content match was found. Never carries the matched text. */
export interface ContentMatch {
  readonly rule: string;
  readonly target: string;
  readonly field: string | null;
  readonly offset: number;
  readonly score: number;
  readonly severity?: string;
  /** How sure the match is of an attack: attack | high | low, or policy for the positive model's refusals. */
  readonly confidence?: string;
}

export type TerminalKind = 'deny' | 'challenge' | 'limit';

export interface ContinueVerdict {
  readonly kind: 'continue';
  /** Score contribution added to the request's total (trust model input). */
  readonly score: number;
  /** `<module>:<code>` reasons behind the score; empty when nothing was noticed. */
  readonly reasons: readonly string[];
  readonly matches?: readonly ContentMatch[];
}

export interface TerminalVerdict {
  readonly kind: TerminalKind;
  /** HTTP status for the client: 403 deny, 401 challenge, 429 limit, or another 4xx/5xx. */
  readonly status: number;
  readonly reasons: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly score?: number;
  readonly matches?: readonly ContentMatch[];
}

export type Verdict = ContinueVerdict | TerminalVerdict;

/** What a refusal records as the request's decision: a check's terminal kind, a protocol refusal, or a fault. */
export type RefusalDecision = TerminalKind | 'refuse' | 'error';

/**
 * A refusal as the client gets it: the one value the refusal path takes (status, reasons, headers) and the
 * log phase reads (decision, module). Protocol refusals are frozen constants; a check's terminal verdict
 * becomes one with the check's name.
 */
export interface Refusal {
  readonly decision: RefusalDecision;
  readonly status: number;
  readonly reasons: readonly string[];
  /** Who refused: a check's name, or request | route | decide | gateway | upstream. */
  readonly module: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const protocolRefusals = new Map<string, Refusal>();

/**
 * The frozen refusal of the protocol layer for one status and reason (made once, then shared: the reject
 * path under a flood allocates nothing for it). `decision` 'error' marks the gateway's own faults.
 */
export function protocolRefusal(
  module: string,
  status: number,
  reason: string,
  decision: 'refuse' | 'error' = 'refuse',
): Refusal {
  const key = `${module} ${status} ${reason} ${decision}`;
  let r = protocolRefusals.get(key);
  if (r === undefined) {
    r = Object.freeze({ decision, status, reasons: Object.freeze([reason]), module });
    protocolRefusals.set(key, r);
  }
  return r;
}

const retryRefusals = new WeakMap<Refusal, Map<number, Refusal>>();

/** A protocol refusal with `Retry-After: seconds` (503s), made once per refusal and wait, then shared. */
export function withRetryAfter(r: Refusal, seconds: number): Refusal {
  let bySeconds = retryRefusals.get(r);
  if (bySeconds === undefined) retryRefusals.set(r, (bySeconds = new Map()));
  let out = bySeconds.get(seconds);
  if (out === undefined) {
    out = Object.freeze({ ...r, headers: Object.freeze({ ...r.headers, 'retry-after': String(seconds) }) });
    bySeconds.set(seconds, out);
  }
  return out;
}

/** A check's terminal verdict as the refusal it makes. */
export function refusalOf(v: TerminalVerdict, module: string): Refusal {
  return v.headers === undefined
    ? { decision: v.kind, status: v.status, reasons: v.reasons, module }
    : { decision: v.kind, status: v.status, reasons: v.reasons, module, headers: v.headers };
}

/** The shared "nothing to say" verdict: allocation-free on the hot path. */
export const PASS: ContinueVerdict = Object.freeze({ kind: 'continue', score: 0, reasons: Object.freeze([]) });

export function score(points: number, ...reasons: string[]): ContinueVerdict {
  return { kind: 'continue', score: points, reasons };
}

export function deny(...reasons: string[]): TerminalVerdict {
  return { kind: 'deny', status: 403, reasons };
}

export function challenge(reasons: readonly string[], headers?: Record<string, string>): TerminalVerdict {
  return headers ? { kind: 'challenge', status: 401, reasons, headers } : { kind: 'challenge', status: 401, reasons };
}

export function limit(reasons: readonly string[], headers?: Record<string, string>): TerminalVerdict {
  return headers ? { kind: 'limit', status: 429, reasons, headers } : { kind: 'limit', status: 429, reasons };
}

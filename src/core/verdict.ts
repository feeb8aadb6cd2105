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

export function isTerminal(v: Verdict): v is TerminalVerdict {
  return v.kind !== 'continue';
}

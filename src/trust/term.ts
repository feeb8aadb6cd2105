// Building blocks of the trust score: a component's weighting, its scored and unscored terms, the sum and the decision.
import type { TrustTerm } from '../core/trust.js';

export type Evidence = TrustTerm['evidence'];

/** How one component counts: its name, weight and cap (the most trust, 0..1, its value may credit). */
export interface Weighting {
  readonly component: string;
  readonly weight: number;
  readonly cap: number;
}

const NONE: Evidence = Object.freeze({});

/** Rounded so a score read back from an event or a header sums to the same figure (same input, same score). */
export const round4 = (n: number): number => Math.round(n * 10_000) / 10_000;

/** A scored term: the value (clamped to 0..1) credits at most `cap`, times the weight. */
export function scored(w: Weighting, code: string, value: number, evidence: Evidence = NONE): TrustTerm {
  const v = round4(value < 0 ? 0 : value > 1 ? 1 : value);
  return Object.freeze({
    component: w.component,
    code,
    value: v,
    weight: w.weight,
    contribution: round4(Math.min(v, w.cap) * w.weight),
    evidence,
  });
}

/** A term whose data is missing: shown, never counted (neither as zero nor as bad). */
export function unscored(w: Weighting, code: string, evidence: Evidence = NONE): TrustTerm {
  return Object.freeze({ component: w.component, code, value: null, weight: w.weight, contribution: 0, evidence });
}

/**
 * The score 0..100: the weighted sum over the scored terms, normalised by their weights, so a missing signal
 * neither lowers nor raises it. With no scored term at all there is nothing against the request: 100.
 */
export function scoreOf(terms: readonly TrustTerm[]): number {
  let sum = 0;
  let weights = 0;
  for (const t of terms) {
    if (t.value === null) continue;
    sum += t.contribution;
    weights += t.weight;
  }
  return weights === 0 ? 100 : Math.round((sum / weights) * 10_000) / 100;
}

export interface Thresholds {
  readonly allowAt: number;
  readonly denyBelow: number;
}

/** At or above allow_at: allow; below deny_below: deny; between: challenge. */
export function decide(score: number, t: Thresholds): 'allow' | 'challenge' | 'deny' {
  if (score >= t.allowAt) return 'allow';
  return score < t.denyBelow ? 'deny' : 'challenge';
}

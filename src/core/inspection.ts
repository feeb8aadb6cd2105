// What the response phase did with an answer, as the request context carries it to the log phase.

/**
 * What one response check did with an answer, kept on the request (ctx.inspections) for the log phase: metrics by
 * route, reason and action, and the security event of an answer stripped or refused.
 */
export interface ResponseInspection {
  readonly check: string;
  /** What the answer was: an SVG document, SVG in a JSON field, or any answer (canaries). */
  readonly kind: 'svg' | 'json_svg' | 'any';
  /** pass: nothing found; refuse | strip: what enforce mode did; monitor: found, counted, let through. */
  readonly action: 'pass' | 'refuse' | 'strip' | 'monitor';
  /** Distinct reason codes found (bounded: codes from code). */
  readonly reasons: readonly string[];
  /** Items removed (strip). */
  readonly stripped: number;
}

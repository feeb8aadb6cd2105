// What one inspection found: matches, the reasons and score they add up to, and the positive model's
// refusals. Allocated only once something matched; a clean request gets the shared CLEAN result.
import type { ContentMatch } from '../core/verdict.js';
import type { Segment } from './segments.js';

/** Matches (and positive-model refusals) kept per request. */
export const MAX_MATCHES = 64;

export interface InspectResult {
  /** Every match, enforce and monitor, first location per rule and segment. */
  readonly matches: readonly ContentMatch[];
  /** Sum of the scores of enforce-mode rules that matched (each rule counted once). */
  readonly score: number;
  /** `sig:<rule id>` of enforce-mode matches, in match order, unique. */
  readonly reasons: readonly string[];
  /** `sig:<rule id>` of monitor-mode rules that matched. */
  readonly monitorReasons: readonly string[];
  readonly critical: boolean;
  readonly threshold: number;
  /** True when a CRITICAL rule matched or the score reached the threshold. */
  readonly deny: boolean;
  /** What the positive model refused (names included: for explain and tests, never for clients). */
  readonly policy: readonly { rule: string; name: string; offset: number }[];
}

export const CLEAN: InspectResult = Object.freeze({
  matches: Object.freeze([]),
  score: 0,
  reasons: Object.freeze([]),
  monitorReasons: Object.freeze([]),
  critical: false,
  threshold: 0,
  deny: false,
  policy: Object.freeze([]),
});

/** Collects matches of one request; allocated only once something matched. */
export class Collector {
  readonly matches: ContentMatch[] = [];
  readonly counted = new Set<string>();
  readonly reasons: string[] = [];
  readonly monitorReasons: string[] = [];
  readonly policy: { rule: string; name: string; offset: number }[] = [];
  score = 0;
  critical = false;

  add(
    rule: string,
    score: number,
    severity: string,
    confidence: string,
    critical: boolean,
    monitor: boolean,
    seg: Segment,
    offset: number,
    target: string,
  ): void {
    seg.dirty = true;
    // Events carry matches: a request cannot make them (or the memory) grow without bound.
    if (this.matches.length < MAX_MATCHES)
      this.matches.push({ rule, target, field: seg.field, offset, score, severity, confidence });
    if (this.counted.has(rule)) return;
    this.counted.add(rule);
    if (monitor) {
      this.monitorReasons.push(`sig:${rule}`);
      return;
    }
    this.reasons.push(`sig:${rule}`);
    this.score += score;
    if (critical) this.critical = true;
  }
}

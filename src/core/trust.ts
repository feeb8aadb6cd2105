// The trust score of one request: its terms (component by component) and the decision it led to.
// In core/ because the request context, the event and the admin API carry it.

/** One component's contribution. `value` null means unscored (data missing): shown as such, never counted. */
export interface TrustTerm {
  /** Component name: identity, device, network, geography, behaviour, content, protocol, history, model. */
  readonly component: string;
  /** Reason code, stable (`identity:api_key`, `device:new_for_user`, `behaviour:unscored`, ...). */
  readonly code: string;
  /** The component's value before weighting, 0..1 (1 = fully trusted), or null when unscored. */
  readonly value: number | null;
  readonly weight: number;
  /** value × weight, capped; 0 when unscored (and `value` says so). */
  readonly contribution: number;
  readonly evidence: Readonly<Record<string, string | number | boolean>>;
}

export interface TrustResult {
  /** 0..100. */
  readonly score: number;
  /** allow | challenge | deny, or what an override decided (`allow_list`, `bypass`). */
  readonly decision: 'allow' | 'challenge' | 'deny';
  /** Why the decision, when not the thresholds (`allow_list`, `bypass`), else ''. */
  readonly override: string;
  readonly terms: readonly TrustTerm[];
  /** enforce or monitor (monitor: `decision` is what enforce would have done). */
  readonly mode: 'enforce' | 'monitor';
  /** Whether the request gets a security event for trust's sake (trust.events: all, or a decision other than allow). */
  readonly event: boolean;
}

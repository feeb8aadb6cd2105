// What the behaviour module concluded about a request's client: set by the behaviour check, read by trust and the event.
// In core/ because the request context carries it and the trust score reads it without importing behaviour/.

/** One detector's finding about the client (rapid fire, error farming, resource exhaustion, ...). */
export interface Anomaly {
  /** Stable detector name: `rapid_fire`, `error_farming`, `resource_exhaustion`, `unusual`, `shared_source`, ... */
  readonly detector: string;
  /** 0..1: how sure the detector is (grows with the evidence and the distance from the baseline). */
  readonly confidence: number;
  /** What it saw (counts, z-scores, baselines): numbers and short codes, never request content. */
  readonly evidence: Readonly<Record<string, string | number | boolean>>;
}

export interface BehaviourView {
  /** false when the data was missing (store down, warm-up, a new client): the trust term is then unscored. */
  readonly scored: boolean;
  /** Why unscored (`store_unavailable`, `warmup`, `new_client`), '' when scored. */
  readonly unscored: string;
  /** Findings, most confident first; empty when nothing is anomalous. */
  readonly anomalies: readonly Anomaly[];
  /** The learned model's anomaly score 0..1 (isolation forest), null when the model is off or untrained. */
  readonly model: number | null;
}

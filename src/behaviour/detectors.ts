// The detectors: pure functions from a client's decayed record, the request's features, the source's record and
// the population baselines to findings with a confidence 0..1 and numeric evidence. No I/O, no clock of their own.
import type { Anomaly } from '../core/behaviour.js';
import type { BehaviourConfig } from './config.js';
import { MAX_PACKAGES, type RequestFeatures } from './features.js';
import { robustZ, type Summary } from './robust.js';
import type { SourceState } from './scripts.js';
import type { ClientState } from './state.js';

export type DetectorName = 'rapid_fire' | 'error_farming' | 'resource_exhaustion' | 'unusual' | 'shared_source';
export const DETECTORS: readonly DetectorName[] = Object.freeze([
  'rapid_fire',
  'error_farming',
  'resource_exhaustion',
  'unusual',
  'shared_source',
]);

export interface DetectorInput {
  readonly now: number;
  /** The client's record decayed to now; null for a client never seen (or forgotten). */
  readonly client: ClientState | null;
  readonly features: RequestFeatures;
  /** The source's record (null: never seen, or no code); `prefix` is this request's address prefix id. */
  readonly source: SourceState | null;
  readonly prefix: string;
  /** Population baselines of this route and tier; null while warming up (then the floors stand alone). */
  readonly rate: Summary | null;
  readonly errorRatio: Summary | null;
}

/** 0.5 at the threshold, towards 1 as x goes past it by multiples of `scale`. */
export function ramp(x: number, threshold: number, scale: number): number {
  return 0.5 + 0.5 * (1 - Math.exp(-Math.max(0, x - threshold) / scale));
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
/** Resource exhaustion's confidence for a decayed weight (1 per time-out): 0.55, 0.80, 0.91 at 1, 2, 3. */
export const exhaustionConfidence = (weight: number): number => 1 - Math.pow(0.45, weight);

/**
 * The client's request rate (per second), this request included: the decayed count over the client's age, the age
 * taken between `minWindowMs` and the counter's mean life (half-life / ln 2, where a steady rate settles).
 */
export function clientRate(c: ClientState, now: number, rateHalfMs: number, minWindowMs: number): number {
  const life = rateHalfMs / Math.LN2;
  const window = Math.min(Math.max(now - c.first, Math.min(minWindowMs, life)), life);
  return ((c.rate + 1) * 1000) / window;
}

function rapidFire(i: DetectorInput, cfg: BehaviourConfig): Anomaly | null {
  const c = i.client;
  const d = cfg.detectors.rapid_fire;
  if (c === null || c.events < cfg.min_events) return null;
  const rps = clientRate(c, i.now, cfg.rate_half_life_s * 1000, d.window_s * 1000);
  if (rps < d.min_rate) return null;
  const base = i.rate;
  const z = robustZ(rps, base?.median ?? 0, base?.mad ?? 0, d.floor);
  if (z < d.z) return null;
  return {
    detector: 'rapid_fire',
    confidence: ramp(z, d.z, d.z),
    evidence: {
      rps: r2(rps),
      z: r2(z),
      median: r2(base?.median ?? 0),
      baseline: base === null ? 'floor' : 'population',
    },
  };
}

function errorFarming(i: DetectorInput, cfg: BehaviourConfig): Anomaly | null {
  const c = i.client;
  const d = cfg.detectors.error_farming;
  if (c === null || c.texErrors < d.min_errors) return null;
  const ratio = Math.min(1, c.texErrors / Math.max(c.compiles, 1));
  if (ratio < d.min_ratio) return null;
  const base = i.errorRatio;
  const z = robustZ(ratio, base?.median ?? 0, base?.mad ?? 0, d.floor);
  if (z < d.z) return null;
  return {
    detector: 'error_farming',
    confidence: 0.5 + (ramp(c.texErrors, d.min_errors, d.min_errors) - 0.5) * ratio,
    evidence: { tex_errors: r2(c.texErrors), compiles: r2(c.compiles), ratio: r2(ratio), z: r2(z) },
  };
}

function resourceExhaustion(i: DetectorInput, cfg: BehaviourConfig): Anomaly | null {
  const c = i.client;
  if (c === null || c.exhaustion < cfg.detectors.resource_exhaustion.min_weight) return null;
  return {
    detector: 'resource_exhaustion',
    confidence: exhaustionConfidence(c.exhaustion),
    evidence: { weight: r2(c.exhaustion), compiles: r2(c.compiles) },
  };
}

function unusual(i: DetectorInput, cfg: BehaviourConfig): Anomaly | null {
  const c = i.client;
  const f = i.features;
  const d = cfg.detectors.unusual;
  if (c === null || c.events < cfg.min_events || f.complexity < 0) return null;
  let confidence = 0;
  let z = 0;
  if (c.cxCount >= cfg.min_events) {
    const sd = Math.max(Math.sqrt(c.cxVar), d.floor_ratio * c.cxMean, 10);
    z = (f.complexity - c.cxMean) / sd;
    if (z >= d.z) confidence = 0.8 * ramp(z, d.z, d.z);
  }
  // packages never loaded before: known only while the client's list has room (it keeps the first ones)
  let fresh = 0;
  if (c.packages.length < MAX_PACKAGES) for (const p of f.packages) if (!c.packages.includes(p)) fresh++;
  if (fresh !== 0) confidence = Math.max(confidence, Math.min(0.6, 0.3 + 0.1 * fresh));
  if (confidence === 0) return null;
  return {
    detector: 'unusual',
    confidence,
    evidence: { complexity: f.complexity, mean: r2(c.cxMean), z: r2(z), new_packages: fresh },
  };
}

/** Distinct address prefixes with this source, counting this request's. */
function addresses(s: SourceState, prefix: string): { count: number; known: boolean } {
  const known = s.prefixes.includes(prefix);
  return { count: s.prefixes.length + (known ? 0 : 1), known };
}

function sharedSource(i: DetectorInput, cfg: BehaviourConfig): Anomaly | null {
  const s = i.source;
  if (s === null) return null;
  const { count, known } = addresses(s, i.prefix);
  // the source's short digest (never its text): incidents group the addresses sending it under one subject
  const evidence = {
    addresses: count,
    timeouts: s.timeouts,
    new_address: !known,
    ...(i.features.source === null ? {} : { source: i.features.source.slice(0, 16) }),
  };
  if (s.timeouts >= 1 && count >= 2) {
    // a source that timed out, back from another address: 0.80 at the 2nd address, 0.90 at the 3rd (one time-out)
    return {
      detector: 'shared_source',
      confidence: 1 - Math.pow(0.5, count - 1) * Math.pow(0.4, s.timeouts),
      evidence,
    };
  }
  const min = cfg.detectors.shared_source.min_addresses;
  if (count < min) return null;
  // many addresses, never a failure: a popular example as likely as a rotating client; reported, weakly
  return { detector: 'shared_source', confidence: Math.min(0.6, 0.3 + 0.05 * (count - min)), evidence };
}

const RUN: Readonly<Record<DetectorName, (i: DetectorInput, cfg: BehaviourConfig) => Anomaly | null>> = {
  rapid_fire: rapidFire,
  error_farming: errorFarming,
  resource_exhaustion: resourceExhaustion,
  unusual,
  shared_source: sharedSource,
};

/** Every detector not `off`, most confident finding first. */
export function detect(i: DetectorInput, cfg: BehaviourConfig): Anomaly[] {
  const out: Anomaly[] = [];
  for (const name of DETECTORS) {
    if (cfg.detectors[name].mode === 'off') continue;
    const a = RUN[name](i, cfg);
    if (a !== null) out.push(a);
  }
  if (out.length > 1) out.sort((a, b) => b.confidence - a.confidence);
  return out;
}

// checks.behaviour settings (own file: config/schema.ts imports it, and the behaviour check imports the types).
import { z } from 'zod';
import { intervalS, lifetimeS, MAX_COUNT } from '../config/limits.js';

const detectorMode = z.enum(['enforce', 'monitor', 'off']);
const confidence = z.number().min(0).max(1);
const zScore = z.number().positive().max(1000);

/**
 * Behavioural analytics per client key (address prefix, user or API key), kept in the store with decay. Off by
 * default; start in `monitor` and read `portcullis_behaviour_anomalies_total` before enforcing. Only two
 * detectors may refuse on their own in enforce mode (shared_source of a source seen timing out, and
 * resource_exhaustion), and only at `refuse_confidence`; every other finding is reported for the trust score.
 */
export const behaviourSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('off'),
    /** Half-life of the outcome counters (errors, time-outs, near misses, refusals): how fast a client is forgiven. */
    half_life_s: intervalS().default(600),
    /** Half-life of the request-rate counter (rapid fire reacts on this scale). */
    rate_half_life_s: intervalS().default(10),
    /** A client idle this long is forgotten (its key expires); at least the half-life. */
    ttl_s: lifetimeS().default(3600),
    /** Requests a client must have made before its own baseline is used (warm-up): below it, `new_client`. */
    min_events: z.number().int().min(1).max(MAX_COUNT).default(5),
    /** Observations a route and tier must have before population baselines are used (below: `warmup`). */
    population_min: z.number().int().min(2).max(100_000).default(30),
    /** Population sample kept per route and tier (per instance), for medians and MADs. */
    population_sample: z.number().int().min(16).max(100_000).default(512),
    /** Address prefix lengths that key anonymous clients. */
    ipv4_prefix: z.number().int().min(8).max(32).default(24),
    ipv6_prefix: z.number().int().min(16).max(128).default(64),
    /** A finding of shared_source or resource_exhaustion at or above this refuses (enforce mode, enforce detector). */
    refuse_confidence: confidence.default(0.85),
    /** Keyed hash of normalised sources: set one secret for every instance so the hashes in the store cannot be guessed. */
    source_key: z.string().min(16).max(256).optional(),
    detectors: z
      .strictObject({
        rapid_fire: z
          .strictObject({
            mode: detectorMode.default('monitor'),
            /** Robust z of the client's rate against its route and tier. */
            z: zScore.default(6),
            /** Requests per second below which no client is rapid fire, whatever the population does. */
            min_rate: z.number().positive().max(MAX_COUNT).default(2),
            /** Floor of the rate's spread (requests per second): MAD is 0 when every client is quiet. */
            floor: z.number().positive().max(MAX_COUNT).default(0.5),
            /** Shortest time a rate is measured over: a page loading a burst of diagrams at once is no rapid fire. */
            window_s: z.number().positive().max(3600).default(5),
          })
          .prefault({}),
        error_farming: z
          .strictObject({
            mode: detectorMode.default('monitor'),
            /** Decayed TeX errors before the detector speaks. */
            min_errors: z.number().positive().max(MAX_COUNT).default(5),
            /** Share of the client's compiles that failed with a TeX error. */
            min_ratio: z.number().min(0).max(1).default(0.5),
            z: zScore.default(3),
            /** Floor of the error ratio's spread (most clients' ratios are 0). */
            floor: z.number().positive().max(1).default(0.1),
          })
          .prefault({}),
        resource_exhaustion: z
          .strictObject({
            mode: detectorMode.default('monitor'),
            /** Decayed weight of time-outs and memory kills (1 each; slow compiles and oversized output 0.5). */
            min_weight: z.number().positive().max(MAX_COUNT).default(1),
            /** A compile this slow (wall ms) counts half a time-out. */
            slow_ms: z.number().int().positive().max(86_400_000).default(5000),
            /** An answer this large (bytes) counts half a time-out. */
            large_output_bytes: z.number().int().positive().max(1_073_741_824).default(2_000_000),
          })
          .prefault({}),
        unusual: z
          .strictObject({
            mode: detectorMode.default('monitor'),
            /** z of this request's complexity against the client's own EWMA. */
            z: zScore.default(4),
            /** Floor of the complexity spread, as a share of the client's mean (and at least 10). */
            floor_ratio: z.number().positive().max(100).default(0.5),
          })
          .prefault({}),
        shared_source: z
          .strictObject({
            mode: detectorMode.default('monitor'),
            /** Distinct address prefixes with one source before a source never seen failing is reported. */
            min_addresses: z.number().int().min(2).max(64).default(5),
            /** How long a source's addresses and time-outs are remembered. */
            ttl_s: lifetimeS().default(86_400),
          })
          .prefault({}),
      })
      .prefault({}),
    model: z
      .strictObject({
        mode: z.enum(['monitor', 'off']).default('off'),
        /** Trees, sample size per tree, and how often (s) the forest is retrained from the recent sample. */
        trees: z.number().int().min(1).max(500).default(64),
        sample: z.number().int().min(16).max(4096).default(256),
        refresh_s: intervalS().default(300),
      })
      .prefault({}),
  })
  .prefault({});

export type BehaviourConfig = z.infer<typeof behaviourSchema>;

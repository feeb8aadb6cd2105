// gateway.yaml `trust:` section: the trust score's mode, thresholds (global and per route) and its components.
import { z } from 'zod';
import { MAX_CACHE_ENTRIES, lifetimeS } from '../config/limits.js';

const unit = z.number().min(0).max(1);
const weight = z.number().min(0).max(100);
const countryCode = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 codes, upper case');

/** Every component has a weight (0 turns it off) and a cap: the most trust (0..1) its value may credit. */
const base = (w: number) => ({ weight: weight.default(w), cap: unit.default(1) });
const component = (w: number) => z.strictObject(base(w)).prefault({});

const thresholds = z.strictObject({
  /** Scores at or above this are allowed. */
  allow_at: z.number().min(0).max(100).optional(),
  /** Scores below this are denied (403); between the two: challenged. */
  deny_below: z.number().min(0).max(100).optional(),
});

export const trustSchema = z
  .strictObject({
    /** off by default; the shipped gateway.yaml starts in monitor (read the histograms before enforcing). */
    mode: z.enum(['enforce', 'monitor', 'off']).default('off'),
    allow_at: z.number().min(0).max(100).default(50),
    deny_below: z.number().min(0).max(100).default(20),
    /** Per-route thresholds, by route name (checked against routes[]). */
    routes: z.record(z.string(), thresholds).default({}),
    /** How long an identified client that was challenged stays in rate_limits.suspicious_tier. */
    suspicious_ttl_s: lifetimeS().default(900),
    /** Security events: `decided` (challenge or deny, either mode) or `all` (every request trust judged). */
    events: z.enum(['decided', 'all']).default('decided'),
    /** Breakdowns kept in memory for GET /admin/api/requests/{id} (the most recent ones). */
    recent: z.number().int().nonnegative().max(MAX_CACHE_ENTRIES).default(1000),
    components: z
      .strictObject({
        identity: component(2),
        device: z
          .strictObject({
            ...base(1),
            /** How long a user's known devices are remembered, and how many per user. */
            ttl_s: lifetimeS().default(30 * 86_400),
            max_devices: z.number().int().positive().max(64).default(8),
          })
          .prefault({}),
        network: z
          .strictObject({
            ...base(1.5),
            /** AS numbers of hosting providers (needs geo.asn_database). */
            hosting_asns: z.array(z.number().int().positive()).default([]),
          })
          .prefault({}),
        geography: z
          .strictObject({
            ...base(1),
            /** Risk 0..1 per country (needs geo.database); countries not listed: default_risk. */
            country_risk: z.record(countryCode, unit).default({}),
            default_risk: unit.default(0),
          })
          .prefault({}),
        behaviour: component(2),
        model: component(0.5),
        content: component(2),
        protocol: component(1),
        history: z
          .strictObject({
            ...base(2),
            /** Half-life of the per-client memory of refusals and failed compiles. */
            half_life_s: lifetimeS().default(3600),
            /** Decayed events at which history is worth nothing. */
            saturation: z.number().positive().max(1000).default(5),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    const check = (allow: number, deny: number, path: (string | number)[]) => {
      if (deny > allow) ctx.addIssue({ code: 'custom', path, message: 'deny_below must not exceed allow_at' });
    };
    check(v.allow_at, v.deny_below, ['deny_below']);
    for (const [name, t] of Object.entries(v.routes)) {
      check(t.allow_at ?? v.allow_at, t.deny_below ?? v.deny_below, ['routes', name, 'deny_below']);
    }
  })
  .prefault({});

export type TrustConfig = z.infer<typeof trustSchema>;
export type ComponentName = keyof TrustConfig['components'];

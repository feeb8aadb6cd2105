// gateway.yaml `rate_limits:` section: tiers, their limits (GCRA rate+burst, sliding-window quotas) and in-flight caps.
import { z } from 'zod';
import { MAX_CACHE_ENTRIES, MAX_CONNECTIONS, MAX_COUNT, MAX_INTERVAL_S, lifetimeS } from '../config/limits.js';

const name = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'names are 1-32 of [a-z0-9_], starting with a letter');

const common = {
  /** Policy name: in RateLimit headers and in the refusal reason `rate:<tier>:<name>`. */
  name,
  /** Only requests to these routes count (route names); absent: every route. */
  routes: z.array(z.string().min(1)).optional(),
  /** A separate counter per route instead of one across the routes this limit covers. */
  per_endpoint: z.boolean().default(false),
};

const gcraLimit = z.strictObject({
  ...common,
  /** Rate + burst (GCRA): `rate` per `period_s`, up to `burst` at once. */
  algorithm: z.literal('gcra'),
  rate: z.number().int().positive().max(MAX_COUNT),
  period_s: lifetimeS().default(60),
  burst: z.number().int().positive().max(MAX_COUNT),
});

const windowLimit = z.strictObject({
  ...common,
  /** Quota (sliding-window counter): at most `limit` per `window_s`. */
  algorithm: z.literal('sliding_window'),
  limit: z.number().int().positive().max(MAX_COUNT),
  window_s: lifetimeS(),
});

export const limitSchema = z.discriminatedUnion('algorithm', [gcraLimit, windowLimit]);
export type LimitConfig = z.infer<typeof limitSchema>;

const tierSchema = z.strictObject({
  limits: z.array(limitSchema).default([]),
  /** Requests of one client in flight at once, per gateway instance; 0: no cap. */
  in_flight: z.number().int().nonnegative().max(MAX_CONNECTIONS).default(0),
});
export type TierConfig = z.infer<typeof tierSchema>;

/** A GCRA limit named per_minute (the shipped tiers' builder; tests build their limits with it too). */
export const perMinute = (rate: number, burst: number): LimitConfig => ({
  name: 'per_minute',
  algorithm: 'gcra',
  rate,
  period_s: 60,
  burst,
  per_endpoint: false,
});
const compilationsPerHour = (limit: number): LimitConfig => ({
  name: 'compilations_per_hour',
  algorithm: 'sliding_window',
  limit,
  window_s: 3600,
  routes: ['compile'],
  per_endpoint: false,
});
const perDay = (limit: number): LimitConfig => ({
  name: 'per_day',
  algorithm: 'sliding_window',
  limit,
  window_s: 86_400,
  per_endpoint: false,
});

/** The compile service's plan: requests/min (burst), compilations/hour, requests/day, in flight. */
export const DEFAULT_TIERS: Record<string, TierConfig> = {
  anonymous: { limits: [perMinute(10, 5), compilationsPerHour(5), perDay(50)], in_flight: 5 },
  authenticated: { limits: [perMinute(30, 15), compilationsPerHour(20), perDay(200)], in_flight: 5 },
  premium: { limits: [perMinute(100, 50), compilationsPerHour(100), perDay(1000)], in_flight: 10 },
  suspicious: { limits: [perMinute(2, 1), compilationsPerHour(1), perDay(5)], in_flight: 1 },
};

export const rateLimitsSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /**
     * What one counter belongs to: `subject` (the user when authenticated, else the client IP group),
     * `ip` (the IP group even for users), or `ip_and_user` (the pair).
     */
    key_by: z.enum(['subject', 'ip', 'ip_and_user']).default('subject'),
    /** Send RateLimit-Policy / RateLimit on allowed responses too (always on 429). */
    headers_on_success: z.boolean().default(true),
    /** Tiers by name; identities name their tier. Replaces the defaults when given. */
    tiers: z.record(name, tierSchema).default(DEFAULT_TIERS),
    /** The tier requests fall into when the identity names an unknown one. */
    default_tier: name.default('anonymous'),
    /** The tier `tighten` moves a risky client to when no other is named. */
    suspicious_tier: name.default('suspicious'),
    /**
     * One store call may admit up to `max_requests` of one client, handed out by this instance for up to
     * `max_ms` (see docs/rate-limits.md, "Leased grants"). max_requests 1: off.
     */
    lease: z
      .strictObject({
        max_requests: z.number().int().min(1).max(1000).default(64),
        share: z.number().int().min(1).max(100).default(4),
        max_ms: z.number().int().min(1).max(60_000).default(1000),
        max_clients: z.number().int().min(1).max(MAX_CACHE_ENTRIES).default(10_000),
      })
      .prefault({}),
    /** Redis down under fail-closed: the Retry-After of the 503. */
    unavailable_retry_after_s: z.number().int().positive().max(MAX_INTERVAL_S).default(1),
  })
  .superRefine((v, ctx) => {
    // The suspicious tier may be left undefined: tightening to a tier that does not exist changes nothing.
    if (v.tiers[v.default_tier] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['default_tier'], message: `"${v.default_tier}" is not one of the tiers` });
    }
    for (const [tier, t] of Object.entries(v.tiers)) {
      const seen = new Set<string>();
      t.limits.forEach((l, i) => {
        if (seen.has(l.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', tier, 'limits', i, 'name'],
            message: `duplicate limit name "${l.name}" in tier ${tier}`,
          });
        }
        seen.add(l.name);
      });
    }
  })
  // An absent section means no rate limiting (the shipped gateway.yaml declares one); present: enforce by default.
  .prefault({ mode: 'off' });

export type RateLimitsConfig = z.infer<typeof rateLimitsSchema>;

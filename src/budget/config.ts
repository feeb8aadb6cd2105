// gateway.yaml `checks.budgets`: compile seconds per client and tier, per hour and per day, charged after each compile.
import { z } from 'zod';
import { MAX_INTERVAL_S } from '../config/limits.js';

const tierName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'names are 1-32 of [a-z0-9_], starting with a letter');
/** Compile seconds: fractions allowed (a tenth of a second is a small diagram), at most a year of seconds. */
const seconds = z.number().positive().max(31_536_000);

const tierBudget = z
  .strictObject({
    /** Compile seconds a client of the tier may spend in any hour (policy `compile-hour`). */
    per_hour_s: seconds.optional(),
    /** Compile seconds in any day (policy `compile-day`). */
    per_day_s: seconds.optional(),
  })
  .refine((t) => t.per_hour_s !== undefined || t.per_day_s !== undefined, {
    message: 'give per_hour_s, per_day_s or both',
  });
export type TierBudget = z.infer<typeof tierBudget>;

/**
 * The shipped budgets, in compile seconds: an anonymous client gets a minute an hour (hundreds of ordinary
 * diagrams at a tenth of a second each, one 45-second runaway and a bit), a premium one an hour an hour.
 */
export const DEFAULT_BUDGETS: Record<string, TierBudget> = {
  anonymous: { per_hour_s: 60, per_day_s: 300 },
  authenticated: { per_hour_s: 600, per_day_s: 3600 },
  premium: { per_hour_s: 3600, per_day_s: 28_800 },
  suspicious: { per_hour_s: 10, per_day_s: 30 },
};

export const budgetsSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /** Routes whose requests are checked and charged (names); absent: every route with `compile`. */
    routes: z.array(z.string().min(1)).optional(),
    /**
     * What a compile that timed out is charged, in seconds: the compile service's timeout (the reference
     * service's is 45 s), so a runaway diagram costs its sender what it cost the service.
     */
    timeout_charge_s: seconds.default(45),
    /** Budgets by tier (the tiers of rate_limits); a tier not listed has none. Replaces the defaults when given. */
    tiers: z.record(tierName, tierBudget).default(DEFAULT_BUDGETS),
    /** The shared store is down under fail-closed: the Retry-After of the 503. */
    unavailable_retry_after_s: z.number().int().positive().max(MAX_INTERVAL_S).default(1),
  })
  // Absent: no budgets (the shipped gateway.yaml declares them); present: enforce by default.
  .prefault({ mode: 'off' });

export type BudgetsConfig = z.infer<typeof budgetsSchema>;

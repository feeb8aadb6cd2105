// gateway.yaml `checks.cost`: the compile-cost estimate's check (docs/cost.md). Own file: config/schema.ts
// imports it, and the check reads the config types.
import { z } from 'zod';
import { MAX_COUNT } from '../config/limits.js';

/** Units are sums of products: a bound well above any real diagram and below the estimate's own cap (1e15). */
const units = z.number().positive().max(1e15);

/**
 * The seconds model: predicted compile seconds = base_s * (1 + units)^exponent, fitted by
 * scripts/cost-calibrate.mjs on the reference compile service (data/cost-calibration.json).
 */
const modelSchema = z
  .strictObject({
    base_s: z.number().positive().max(3600).default(0.52),
    exponent: z.number().nonnegative().max(2).default(0.15),
  })
  .prefault({});

/**
 * Off by default here (the shipped gateway.yaml turns it on). `max_units` per tier (names checked against
 * rate_limits.tiers), `default_max_units` for the others; over it a request is refused (`over: refuse`, status
 * 422 and reason `cost:<construct>`) or marked for the slow lane (`over: slow`: ctx.cost.lane, then on).
 * `routes`: the routes estimated (names checked); empty: every route that inspects bodies.
 */
export const costSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('off'),
    routes: z.array(z.string().min(1)).default([]),
    max_units: z.record(z.string().min(1), units).default({}),
    default_max_units: units.default(100_000),
    over: z.enum(['refuse', 'slow']).default('refuse'),
    /** What an unknown loop bound counts (a macro nobody defined, an argument): never 0. */
    default_bound: z.number().int().min(1).max(MAX_COUNT).default(1000),
    /** How many terms of the breakdown the event and explain carry, largest first. */
    max_terms: z.number().int().min(1).max(32).default(8),
    model: modelSchema,
  })
  .prefault({});

export type CostConfig = z.infer<typeof costSchema>;

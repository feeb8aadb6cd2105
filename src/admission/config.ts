// gateway.yaml `checks.admission`: the cap on compiles in flight to the compile service, and its queue by tier.
import { z } from 'zod';
import { MAX_CONNECTIONS, MAX_INTERVAL_S, timeoutMs } from '../config/limits.js';

const tierName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'names are 1-32 of [a-z0-9_], starting with a letter');

export const admissionSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /**
     * Routes whose requests need a compile slot (names); absent: every route with `compile`. One cap for all
     * of them: they share one compile service.
     */
    routes: z.array(z.string().min(1)).optional(),
    /** Compiles in flight to the compile service at once (its own concurrency: the reference service's is 5). */
    capacity: z.number().int().positive().max(MAX_CONNECTIONS).default(5),
    /** Of those, how many may be requests the cost estimate sent to the slow lane. */
    slow_capacity: z.number().int().positive().max(MAX_CONNECTIONS).default(1),
    /** Requests waiting for a slot, at most (beyond: the lowest tier waiting is shed). 0: no queue. */
    queue: z.number().int().nonnegative().max(MAX_CONNECTIONS).default(50),
    /** The longest a request waits for a slot; then 503 with Retry-After. */
    max_wait_ms: timeoutMs().default(10_000),
    /** Retry-After of the 503s (shed, waited too long, store down). */
    retry_after_s: z.number().int().positive().max(MAX_INTERVAL_S).default(2),
    /**
     * Tiers by priority, highest first: a freed slot goes to the highest tier waiting, and a full queue sheds
     * from the lowest. Tiers not listed rank below every listed one.
     */
    priority: z.array(tierName).default(['premium', 'authenticated', 'anonymous', 'suspicious']),
    /**
     * The share of `capacity` a tier's requests may hold at once (rounded down, at least 1), so slots stay free
     * for the tiers above when a lower one floods. A tier not listed may hold every slot.
     */
    max_share: z.record(tierName, z.number().positive().max(1)).default({ anonymous: 0.6, suspicious: 0.2 }),
    /**
     * Share the cap across gateway instances through the store (slot leases renewed while held, so an instance
     * that dies frees its slots after `lease_ms`); false: each instance has its own cap.
     */
    shared: z.boolean().default(false),
    lease_ms: timeoutMs().default(30_000),
    /**
     * Adaptive cap (off by default): the cap shrinks (x0.75) when compiles' wall/CPU ratio, as the compile service
     * states them, rises over its baseline by `tolerance`, and grows back by one when it is down again; decided
     * every `window` compiles, between `min_capacity` and `capacity`. Needs trusted outcome headers with CPU time.
     */
    adaptive: z
      .strictObject({
        enabled: z.boolean().default(false),
        min_capacity: z.number().int().positive().max(MAX_CONNECTIONS).default(1),
        tolerance: z.number().min(1.1).max(10).default(1.5),
        window: z.number().int().positive().max(1000).default(10),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.slow_capacity > v.capacity) {
      ctx.addIssue({ code: 'custom', path: ['slow_capacity'], message: 'slow_capacity cannot exceed capacity' });
    }
    const seen = new Set<string>();
    v.priority.forEach((t, i) => {
      if (seen.has(t)) ctx.addIssue({ code: 'custom', path: ['priority', i], message: `tier "${t}" listed twice` });
      seen.add(t);
    });
  })
  // Absent: no admission control (the shipped gateway.yaml declares it); present: enforce by default.
  .prefault({ mode: 'off' });

export type AdmissionConfig = z.infer<typeof admissionSchema>;

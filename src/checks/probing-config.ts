// checks.probing settings (own file: config/schema.ts imports it, and the check imports the config types).
import { z } from 'zod';
import { intervalS, lifetimeS, MAX_COUNT } from '../config/limits.js';
import { parseCidr } from '../net/cidr.js';

const cidr = z
  .string()
  .refine((s) => parseCidr(s) !== null, { message: 'expected an IP address or CIDR (e.g. 10.0.0.0/8)' });

/**
 * Probing of unmatched paths (scanners asking for /.env, /wp-login.php, /.git/config...): `threshold` requests
 * of one client address that match no route, within `window_s` of its first, earn a refusal: `refuse` answers
 * that address `status` (429 or 403, with Retry-After) for `ttl_s` on every route; `block` makes it an
 * offence of the blocks service instead (escalating blocks shared through the store; needs `decisions`).
 * Off by default (the shipped gateway.yaml turns it on): the numbers follow CrowdSec's http-probing idea (many
 * misses quickly), far above what a browser's stray favicon or a stale bookmark makes. Loopback is exempt by
 * default, as for automatic blocks: behind a local proxy not listed in trusted_proxies every client is 127.0.0.1.
 */
export const probingSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('off'),
    threshold: z.number().int().min(2).max(MAX_COUNT).default(20),
    window_s: intervalS().default(60),
    action: z.enum(['refuse', 'block']).default('refuse'),
    status: z.union([z.literal(429), z.literal(403)]).default(429),
    ttl_s: lifetimeS().default(600),
    /** Never counted. */
    exempt: z.array(cidr).default(['127.0.0.0/8', '::1']),
  })
  .prefault({});

export type ProbingConfig = z.infer<typeof probingSchema>;

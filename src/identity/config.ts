// gateway.yaml `identity:` section: API keys (SHA-256 hashes), JWTs (jose, JWKS file), IP grouping.
import { z } from 'zod';
import { MAX_CACHE_ENTRIES, MAX_INTERVAL_S } from '../config/limits.js';
import { pathString } from '../config/paths.js';

const tierName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'tier names are 1-32 of [a-z0-9_]');

export const apiKeyEntrySchema = z.strictObject({
  /** Hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`); the key itself is never stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'expected 64 hex characters (SHA-256 of the key)'),
  user: z.string().min(1).max(128),
  tier: tierName.default('authenticated'),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

const levelSchema = z.union([
  z.number().int(),
  z.strictObject({ bits: z.number().int(), scale: z.number().positive().max(1_000_000).default(1) }),
]);

export const identitySchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    api_keys: z
      .strictObject({
        header: z.string().min(1).default('x-api-key'),
        keys: z.array(apiKeyEntrySchema).default([]),
        /** A YAML or JSON file holding more entries (a list of {sha256, user, tier}); read at load. */
        file: pathString('read').optional(),
      })
      .prefault({}),
    jwt: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** JWKS file with the public keys (RS256, ES256); read at load. */
        jwks_file: pathString('read').optional(),
        /** Shared secret for HS256 (use ${JWT_SECRET}); at least 32 bytes. */
        hs256_secret: z.string().min(32, 'an HS256 secret needs at least 32 bytes').optional(),
        algorithms: z
          .array(z.enum(['RS256', 'ES256', 'HS256']))
          .min(1)
          .default(['RS256', 'ES256']),
        issuer: z.string().optional(),
        audience: z.union([z.string(), z.array(z.string())]).optional(),
        user_claim: z.string().min(1).default('sub'),
        tier_claim: z.string().min(1).default('tier'),
        /** Tier of a valid token without (or with an unknown) tier claim. */
        default_tier: tierName.default('authenticated'),
        clock_tolerance_s: z.number().int().nonnegative().max(MAX_INTERVAL_S).default(30),
        /** Verified tokens remembered (until they expire), so a repeat costs no signature check. */
        cache_max: z.number().int().positive().max(MAX_CACHE_ENTRIES).default(10_000),
      })
      .prefault({}),
    /** How anonymous clients are grouped: IPv4 prefix lengths and IPv6 prefixes (/64; add 56, 48 to also cap wider networks). */
    ipv4_prefixes: z.array(levelSchema).default([32]),
    ipv6_prefixes: z.array(levelSchema).default([64]),
  })
  .superRefine((v, ctx) => {
    const j = v.jwt;
    if (j.enabled) {
      if (j.algorithms.includes('HS256') && j.hs256_secret === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['jwt', 'hs256_secret'],
          message: 'HS256 is allowed but no hs256_secret is set',
        });
      }
      if (j.algorithms.some((a) => a !== 'HS256') && j.jwks_file === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['jwt', 'jwks_file'],
          message: 'RS256/ES256 are allowed but no jwks_file is set',
        });
      }
    }
    const bitsOk = (list: typeof v.ipv4_prefixes, max: number, key: string) =>
      list.forEach((l, i) => {
        const bits = typeof l === 'number' ? l : l.bits;
        if (bits < 1 || bits > max)
          ctx.addIssue({ code: 'custom', path: [key, i], message: `prefix length must be 1-${max}` });
      });
    bitsOk(v.ipv4_prefixes, 32, 'ipv4_prefixes');
    bitsOk(v.ipv6_prefixes, 128, 'ipv6_prefixes');
    if (v.ipv4_prefixes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['ipv4_prefixes'], message: 'at least one prefix' });
    if (v.ipv6_prefixes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['ipv6_prefixes'], message: 'at least one prefix' });
  })
  .prefault({});

export type IdentityConfig = z.infer<typeof identitySchema>;

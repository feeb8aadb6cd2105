// The `checks.signatures` section of gateway.yaml: rule files, paranoia, anomaly thresholds, exclusions and
// the per-tier allow-lists of the positive model.
import { z } from 'zod';
import { bytes, MAX_BYTES, MAX_CACHE_ENTRIES, MAX_SCORE } from '../config/limits.js';
import { pathString } from '../config/paths.js';

const name = z.string().min(1);

const exclusionSchema = z
  .strictObject({
    /** Rule ids, or id prefixes ending in `*` (`web.sqli.*`). */
    rules: z.array(name).default([]),
    /** Every rule with one of these tags. */
    tags: z.array(name).default([]),
    /** Route names; none: every route. */
    routes: z.array(name).default([]),
    /** Field names (or header names for the headers target); none: the whole request. */
    fields: z.array(name).default([]),
    /** Why: kept for the people who read the config later. */
    reason: z.string().optional(),
  })
  .refine((e) => e.rules.length + e.tags.length > 0, { message: 'an exclusion names at least one rule or tag' });

const allowlistSchema = z.strictObject({
  /** Start from empty lists instead of the shipped defaults. */
  replace_defaults: z.boolean().default(false),
  /** Added to the defaults; `'*'` allows any. */
  packages: z.array(name).default([]),
  libraries: z.array(name).default([]),
  classes: z.array(name).default([]),
  inputs: z.array(name).default([]),
});

const routeSettings = z.strictObject({
  paranoia: z.number().int().min(1).max(4).optional(),
  anomaly_threshold: z.number().int().positive().max(MAX_SCORE).optional(),
});

export const signaturesConfigSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /** Folder of the rule files, relative to the config file's folder; absent: the rules shipped with Portcullis. */
    rules_dir: pathString('dir').optional(),
    /** Rule files: names or globs (`*` in the file name) relative to rules_dir (not paths of their own). */
    rule_files: z.array(z.string().min(1)).min(1).default(['*.yaml']),
    /** 1: what real diagrams never need is refused; 2-4 add stricter rules. */
    paranoia: z.number().int().min(1).max(4).default(1),
    /** Summed rule scores at which a request is refused (per route below). CRITICAL rules refuse alone. */
    anomaly_threshold: z.number().int().positive().max(MAX_SCORE).default(40),
    /** Per-route overrides, by route name. */
    routes: z.record(z.string(), routeSettings).default({}),
    exclusions: z.array(exclusionSchema).default([]),
    /**
     * The web rules (the families tagged `web`: XSS, SQL and command injection, path traversal, protocol, on
     * fields, query, path and headers). auto: they run unless checks.crs enforces (CRS covers those targets;
     * while CRS is in monitor mode they keep guarding); on: always; off: never.
     */
    web_rules: z.enum(['auto', 'on', 'off']).default('auto'),
    /**
     * Read the text of `\verb|...|` in a TikZ node as text, not code, where nothing before it could make it
     * code (docs/rules.md, "Shown text"). Only for a compile service that puts the code at the top of its
     * document or in a tikzpicture environment, never inside a macro's argument (there \verb runs its text).
     */
    shown_text: z.boolean().default(false),
    /** Positive model per identity tier; tiers not listed get the defaults. */
    allowlists: z.record(z.string(), allowlistSchema).default({}),
    /** Request headers never inspected (lower case): credentials are not scanned nor reported. */
    skip_headers: z.array(z.string()).default(['authorization', 'proxy-authorization', 'content-length']),
    /**
     * Remember this many code texts (per route and tier) and header/field texts found clean, so repeats
     * are not inspected again; 0 turns the memory off. Bounded in characters too (clean_cache_chars).
     */
    clean_cache_entries: z.number().int().nonnegative().max(MAX_CACHE_ENTRIES).default(4096),
    clean_cache_chars: z.number().int().positive().max(MAX_BYTES).default(8_388_608),
    /** Longest text (UTF-16 units) inspected per value; longer values are refused (sig:limit.too-long). */
    max_value_chars: bytes().default(1_048_576),
  })
  .prefault({});

export type SignaturesConfig = z.infer<typeof signaturesConfigSchema>;
export type ExclusionConfig = z.infer<typeof exclusionSchema>;
export type AllowlistConfig = z.infer<typeof allowlistSchema>;

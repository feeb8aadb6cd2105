// The `checks.crs` section of gateway.yaml: the OWASP Core Rule Set on every target that is not a code field.
import { z } from 'zod';
import { pathString } from '../config/paths.js';
import { KNOWN_VARIABLES } from './input.js';

const exclusionSchema = z
  .strictObject({
    /** CRS rule ids or ranges (`942100`, `942100-942199`). */
    rules: z.array(z.string().regex(/^\d{1,9}(-\d{1,9})?$/, 'a rule id or range of ids (942100-942199)')).default([]),
    /** Every CRS rule with one of these tags (`attack-sqli`, `paranoia-level/2`). */
    tags: z.array(z.string().min(1)).default([]),
    /** Route names; none: every route. */
    routes: z.array(z.string().min(1)).default([]),
    /**
     * Targets the rules no longer read: `title` (an argument, from the query or the body), or a SecLang target
     * (`REQUEST_HEADERS:user-agent`, `REQUEST_COOKIES:session`). None: the rules are off for the request.
     */
    fields: z
      .array(
        z
          .string()
          .min(1)
          .refine((f) => !/^[A-Z_]+:/.test(f) || KNOWN_VARIABLES.has(f.slice(0, f.indexOf(':'))), {
            message: 'a field name (title) or a CRS target (REQUEST_HEADERS:user-agent) of a known variable',
          }),
      )
      .default([]),
    /** Why: kept for the people who read the config later. */
    reason: z.string().optional(),
  })
  .refine((e) => e.rules.length + e.tags.length > 0, { message: 'an exclusion names at least one rule or tag' });

export const crsConfigSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('off'),
    /**
     * A CRS release: the folder holding crs-setup.conf(.example) and rules/ (as ModSecurity and Coraza load it).
     * Relative to the config file's folder, like every path-typed key (src/config/paths.ts).
     */
    dir: pathString('dir').optional(),
    /** tx.blocking_paranoia_level: 1 (default) to 4. */
    paranoia_level: z.number().int().min(1).max(4).default(1),
    /** tx.detection_paranoia_level: rules up to this level run and are reported, only blocking ones score. */
    detection_paranoia_level: z.number().int().min(1).max(4).optional(),
    /** tx.inbound_anomaly_score_threshold: CRS's own default is 5 (one critical match refuses). */
    anomaly_threshold: z.number().int().min(1).max(10_000).default(5),
    exclusions: z.array(exclusionSchema).default([]),
  })
  .refine((c) => c.mode === 'off' || c.dir !== undefined, { message: 'checks.crs needs a dir unless mode is off' })
  .refine((c) => c.detection_paranoia_level === undefined || c.detection_paranoia_level >= c.paranoia_level, {
    message: 'detection_paranoia_level is at least paranoia_level',
  })
  .prefault({});

export type CrsConfig = z.infer<typeof crsConfigSchema>;
export type CrsExclusionConfig = z.infer<typeof exclusionSchema>;

// gateway.yaml `reputation:` (allow/deny/bypass lists, threat feeds) and `decisions:` (blocks, escalation,
// automatic blocks, audit log) sections.
import { z } from 'zod';
import { parseCidr } from '../net/cidr.js';
import { intervalS, lifetimeS, MAX_COUNT } from '../config/limits.js';
import { pathString } from '../config/paths.js';

const mode = z.enum(['enforce', 'monitor', 'off']);
const cidr = z
  .string()
  .refine((s) => parseCidr(s) !== null, { message: 'expected an IP address or CIDR (e.g. 10.0.0.0/8)' });
const path = pathString('read');

const feedSchema = z
  .strictObject({
    /** Bounded name: reasons are rep:feed:<name>. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'feed names are 1-32 of [a-z0-9_-]'),
    /** The feed file (downloaded by cron or a sidecar); reloaded when it changes. */
    file: path,
    /** auto: both `#` and `;` comments; plain/netset: `#`; spamhaus: `;` (DROP/EDROP). */
    format: z.enum(['auto', 'plain', 'netset', 'spamhaus']).default('auto'),
    /** deny: 403 rep:feed:<name>; score: add `score` to the request's trust total. */
    action: z.enum(['deny', 'score']).default('deny'),
    score: z.number().min(0).max(1000).default(0),
  })
  .superRefine((f, ctx) => {
    if (f.action === 'score' && f.score === 0) {
      ctx.addIssue({ code: 'custom', path: ['score'], message: 'a feed with action score needs a score above 0' });
    }
  });

export type FeedConfig = z.infer<typeof feedSchema>;

export const reputationSchema = z
  .strictObject({
    mode: mode.default('enforce'),
    /** Never blocked by reputation, geo or automatic blocks (still signatures and limits); logged. */
    allow: z.array(cidr).default([]),
    allow_files: z.array(path).default([]),
    /** Refused (403 rep:deny). */
    deny: z.array(cidr).default([]),
    deny_files: z.array(path).default([]),
    /** Skip every check (protocol limits still apply); every request logged. */
    bypass: z.array(cidr).default([]),
    bypass_files: z.array(path).default([]),
    feeds: z.array(feedSchema).default([]),
    /** Log each allow-listed or bypassing request (info level). */
    log_listed: z.boolean().default(true),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.feeds.forEach((f, i) => {
      if (seen.has(f.name))
        ctx.addIssue({ code: 'custom', path: ['feeds', i, 'name'], message: `duplicate feed ${f.name}` });
      seen.add(f.name);
    });
  })
  .prefault({});

export type ReputationConfig = z.infer<typeof reputationSchema>;

/** A block or memory of offences: up to a year; intervals (windows, resync) use intervalS, up to a day. */
const seconds = lifetimeS();

export const decisionsSchema = z
  .strictObject({
    /** Enforcement of blocks (ip, prefix, user) kept in the Store and shared by every instance. */
    mode: mode.default('enforce'),
    escalation: z
      .strictObject({
        /** Block length for the 1st, 2nd, 3rd... offence (the last step repeats). */
        steps_s: z.array(seconds).min(1).default([300, 3_600, 86_400]),
        /** How long an offence is remembered after the last one; then the count starts again. */
        remember_s: seconds.default(604_800),
      })
      .prefault({}),
    /** Which refusals of other checks count as offences (automatic blocks, origin rule). */
    auto: z
      .strictObject({
        /**
         * Requests refused by signatures are evidence, weighted by the confidence of the rules that refused
         * them (see evidence); false: signature refusals never lead to a block. (The name is kept from when
         * only a CRITICAL match counted, and at once.)
         */
        critical_signature: z.boolean().default(true),
        /**
         * Evidence adding up to one offence: each signature refusal adds the weight of its most confident
         * enforce match; reaching `threshold` within `window_s` (counted from the first piece) is an offence.
         * Only `attack` rules (unmistakable: shell escape, writing files) reach it alone by default; a
         * positive-model (policy) refusal or a low-confidence rule needs many.
         */
        evidence: z
          .strictObject({
            threshold: z.number().int().min(1).max(MAX_COUNT).default(12),
            window_s: intervalS().default(600),
            weights: z
              .strictObject({
                attack: z.number().int().nonnegative().max(MAX_COUNT).default(12),
                high: z.number().int().nonnegative().max(MAX_COUNT).default(4),
                low: z.number().int().nonnegative().max(MAX_COUNT).default(2),
                policy: z.number().int().nonnegative().max(MAX_COUNT).default(1),
              })
              .prefault({}),
          })
          .prefault({}),
        /** This many rate-limit refusals (429) of one client within window_s; 0 turns it off. */
        rate_limit_refusals: z.number().int().nonnegative().max(MAX_COUNT).default(50),
        rate_limit_window_s: intervalS().default(60),
        /**
         * This many refused credentials (a wrong API key, a forged or unverifiable token: 401) of one client
         * address within invalid_credentials_window_s; 0 turns it off. A guesser of keys is stopped after that
         * many guesses, a slow one (a guess every few minutes) within the hour the window spans.
         */
        invalid_credentials: z.number().int().nonnegative().max(MAX_COUNT).default(10),
        invalid_credentials_window_s: intervalS().default(3600),
        /**
         * Never blocked automatically. Loopback by default: when every client seems to come from 127.0.0.1 (a
         * local proxy not listed in trusted_proxies), one offence must not block everyone.
         */
        exempt: z.array(cidr).default(['127.0.0.0/8', '::1']),
      })
      .prefault({}),
    /** Admin audit log (one JSON line per change, with its actor): stdout, stderr or a file path. */
    audit_log: pathString('write', ['stdout', 'stderr']).default('stdout'),
    /** Full re-read of the shared decisions, besides the change signal (heals missed signals). */
    resync_s: intervalS().default(30),
  })
  .prefault({});

export type DecisionsConfig = z.infer<typeof decisionsSchema>;

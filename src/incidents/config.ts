// gateway.yaml `incidents`: what opens an incident (kind and count), its severity, and the actions of each severity.
import { z } from 'zod';
import { intervalS, MAX_COUNT, MAX_LIFETIME_S } from '../config/limits.js';
import { parseSecret } from '../alerts/standard-webhooks.js';
import { parseAllowList } from '../alerts/destination.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What the log phase reports (signals.ts): an `attack` is a refusal by a rule of confidence attack (shell escape,
 * reading secrets), a `signature` one by any other rule or the positive model; `credentials` a guessed key or
 * forged token; `rate` a 429; `trust` a trust denial; `probing` a scanner's refusal (unknown paths); `behaviour` a
 * behaviour detector's refusal; `exhaustion` a diagram refused by its compile-cost estimate; `offence` an automatic
 * block made by `decisions` (signature evidence, repeated 429s, guessed keys); `timeout` a compile the service stopped at its time or memory
 * limit (a resource exhauster's mark); `upstream` the compile service failing a request (time-out, reset, 5xx).
 */
export const KINDS = [
  'attack',
  'signature',
  'credentials',
  'rate',
  'trust',
  'probing',
  'behaviour',
  'exhaustion',
  'timeout',
  'offence',
  'upstream',
] as const;
export type IncidentKind = (typeof KINDS)[number];

export const ACTIONS = ['log', 'tighten', 'block_ip', 'block_user', 'block_network'] as const;
export type ActionName = (typeof ACTIONS)[number];

const lifetime = z.number().int().positive().max(MAX_LIFETIME_S);

const step = z.strictObject({
  action: z.enum(ACTIONS),
  /** How long a block or a tighter tier lasts (not for log). */
  ttl_s: lifetime.optional(),
  /** Recorded on the incident as what would have been done, and not done. */
  dry_run: z.boolean().default(false),
});
export type LadderStep = z.infer<typeof step>;

const rule = z.strictObject({
  kind: z.enum(KINDS),
  /** Reports of this kind from one client (the whole service, for upstream) within `window_s`. */
  count: z.number().int().min(1).max(MAX_COUNT).default(1),
  severity: z.enum(SEVERITIES),
});
export type SeverityRule = z.infer<typeof rule>;

/**
 * The shipped rules: severity follows confidence. One attack-confidence hit is critical; lower-confidence
 * refusals and policy refusals need repetition before they are an incident at all, and more to escalate.
 */
export const DEFAULT_RULES: readonly SeverityRule[] = [
  { kind: 'attack', count: 1, severity: 'critical' },
  { kind: 'signature', count: 5, severity: 'medium' },
  { kind: 'signature', count: 20, severity: 'high' },
  { kind: 'credentials', count: 10, severity: 'high' },
  { kind: 'rate', count: 20, severity: 'medium' },
  { kind: 'rate', count: 200, severity: 'high' },
  { kind: 'trust', count: 5, severity: 'medium' },
  { kind: 'probing', count: 1, severity: 'medium' },
  { kind: 'probing', count: 10, severity: 'high' },
  { kind: 'behaviour', count: 1, severity: 'medium' },
  { kind: 'behaviour', count: 5, severity: 'high' },
  { kind: 'exhaustion', count: 1, severity: 'low' },
  { kind: 'exhaustion', count: 3, severity: 'high' },
  { kind: 'timeout', count: 3, severity: 'high' },
  // the automatic block already answered the offence: a first one is logged, a third within the window escalates
  { kind: 'offence', count: 1, severity: 'low' },
  { kind: 'offence', count: 3, severity: 'high' },
  { kind: 'upstream', count: 10, severity: 'high' },
];

/** The shipped ladder: log, a tighter tier for 30 minutes, the address blocked for an hour, then everything. */
export const DEFAULT_LADDER: Record<Severity, LadderStep[]> = {
  low: [{ action: 'log', dry_run: false }],
  medium: [{ action: 'tighten', ttl_s: 1800, dry_run: false }],
  high: [{ action: 'block_ip', ttl_s: 3600, dry_run: false }],
  critical: [
    { action: 'block_ip', ttl_s: 3600, dry_run: false },
    { action: 'block_user', ttl_s: 3600, dry_run: false },
    { action: 'block_network', ttl_s: 3600, dry_run: false },
  ],
};

const sinkName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'names are 1-32 of [a-z0-9_-], starting with a letter');
const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'an http(s) URL');

const sink = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name: sinkName,
    url: httpUrl,
    /** Standard Webhooks signing secrets (`whsec_<base64>`): every one signs, the current first (rotation). */
    secrets: z
      .array(z.string())
      .min(1)
      .superRefine((list, ctx) =>
        list.forEach((t, i) => {
          const r = parseSecret(t);
          if (!r.ok) ctx.addIssue({ code: 'custom', path: [i], message: r.detail });
        }),
      ),
  }),
  z.strictObject({ type: z.literal('slack'), name: sinkName, url: httpUrl }),
  z.strictObject({ type: z.literal('log'), name: sinkName }),
]);
export type SinkConfig = z.infer<typeof sink>;

const alerts = z
  .strictObject({
    /** A group's first notice waits this long for others (a critical incident does not wait). */
    group_wait_s: z.number().int().nonnegative().max(86_400).default(30),
    /** Later notices of a group go out at most this often. */
    group_interval_s: intervalS().default(300),
    /** A live incident is told again after this long. */
    repeat_interval_s: intervalS().default(14_400),
    /**
     * Private networks receivers may resolve to (a receiver inside the network, chosen on purpose): without
     * them a URL reaching loopback, link-local or private ranges is refused at every delivery.
     */
    allow_private: z
      .array(z.string())
      .default([])
      .superRefine((list, ctx) => {
        const r = parseAllowList(list);
        // the central message adds what was found: the detail without the value it quotes
        if (!r.ok) ctx.addIssue({ code: 'custom', path: [r.index], message: 'not an IP address or CIDR' });
      }),
    sinks: z.array(sink).default([]),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.sinks.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['sinks', i, 'name'], message: `sink ${s.name} twice` });
      seen.add(s.name);
    });
  })
  .prefault({});
export type AlertsConfig = z.infer<typeof alerts>;

export const incidentsSchema = z
  .strictObject({
    /** enforce: actions taken; monitor: incidents opened and alerts sent, every action recorded as dry run. */
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /** Reports are counted over this window (from an incident's first report). */
    window_s: intervalS().default(600),
    /** An incident with no report for this long resolves by itself. */
    quiet_s: intervalS().default(900),
    /** A subject whose incident resolved less than this ago starts one severity higher (repeat offender). */
    remember_s: lifetime.default(86_400),
    /** block_network needs offences from at least this many distinct addresses of the /24 (IPv4) or /48 (IPv6). */
    network_min_addresses: z.number().int().min(2).max(256).default(3),
    /** Severity rules; replace the shipped ones when given. */
    rules: z
      .array(rule)
      .min(1)
      .default([...DEFAULT_RULES]),
    /** Where transitions are told (opened, escalated, resolved): webhooks, Slack, the log. */
    alerts,
    /** Actions per severity, in order; a severity not given keeps the shipped steps. */
    actions: z
      .strictObject({
        low: z.array(step).optional(),
        medium: z.array(step).optional(),
        high: z.array(step).optional(),
        critical: z.array(step).optional(),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    for (const sev of SEVERITIES) {
      (c.actions[sev] ?? []).forEach((s, i) => {
        if (s.action !== 'log' && s.ttl_s === undefined)
          ctx.addIssue({ code: 'custom', path: ['actions', sev, i, 'ttl_s'], message: `${s.action} needs ttl_s` });
        if (s.action === 'log' && s.ttl_s !== undefined)
          ctx.addIssue({ code: 'custom', path: ['actions', sev, i, 'ttl_s'], message: 'log takes no ttl_s' });
      });
    }
  })
  // Absent: no incidents (the shipped gateway.yaml turns them on); present: enforce by default.
  .prefault({ mode: 'off' });

export type IncidentsConfig = z.infer<typeof incidentsSchema>;

/** The steps of a severity: the configured ones, else the shipped ones. */
export function ladderOf(c: IncidentsConfig, s: Severity): readonly LadderStep[] {
  return c.actions[s] ?? DEFAULT_LADDER[s];
}

export function rank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

// The incident record as the Store keeps it (JSON, written by the scripts in scripts.ts) and as operators see it.
import { SEVERITIES, type IncidentKind, type Severity } from './config.js';

export const INCIDENT_PREFIX = 'incident:';
export const NETWORK_PREFIX = 'incident-net:';

/** pending: reports counted, no rule reached yet (not shown as an incident). */
export type IncidentState = 'pending' | 'open' | 'escalated' | 'resolved';

export interface IncidentNote {
  readonly time: number;
  readonly actor: string;
  readonly text: string;
}

export interface IncidentRecord {
  readonly id: string;
  readonly kind: IncidentKind;
  /** `ip:<address>`, `user:<name>`, or `service` (the compile service itself). */
  readonly subject: string;
  readonly state: IncidentState;
  /** Severity rank (0 low .. 3 critical), -1 while pending. */
  readonly sev: number;
  readonly count: number;
  readonly first: number;
  /** When a rule was first reached (the incident opened and its actions were taken); 0 while pending. */
  readonly opened: number;
  readonly last: number;
  readonly resolved: number;
  /** Incidents of this subject resolved within `remember_s` before this one opened: each raises its severity. */
  readonly rep: number;
  /** What was done, in order: `block_ip 3600s`, `dry-run tighten 1800s`, `skipped block_network: 1 address`. */
  readonly actions: readonly string[];
  readonly notes: readonly IncidentNote[];
  /** The request id of the last report that had one ('' none): its breakdown is `explain --id` away. */
  readonly req: string;
}

/** The store key of a kind and subject's incident. */
export function incidentKey(kind: IncidentKind, subject: string): string {
  return `${INCIDENT_PREFIX}${kind}:${subject}`;
}

export function severityName(sev: number): Severity | null {
  return sev >= 0 && sev < SEVERITIES.length ? SEVERITIES[sev]! : null;
}

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []); // Lua's cjson writes [] as {}

/** A record read back from the store; null when it is not one (another writer's key, a damaged value). */
export function parseRecord(text: string): IncidentRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.kind !== 'string' || typeof r.state !== 'string') return null;
  return {
    id: r.id,
    kind: r.kind as IncidentKind,
    subject: String(r.subject ?? ''),
    state: r.state as IncidentState,
    sev: Number(r.sev ?? -1),
    count: Number(r.count ?? 0),
    first: Number(r.first ?? 0),
    opened: Number(r.opened ?? 0),
    last: Number(r.last ?? 0),
    resolved: Number(r.resolved ?? 0),
    rep: Number(r.rep ?? 0),
    actions: list<string>(r.actions),
    notes: list<IncidentNote>(r.notes),
    req: typeof r.req === 'string' ? r.req : '',
  };
}

/** The record as the admin API and alerts show it (times as ISO strings, severity by name). */
export function incidentView(r: IncidentRecord) {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    state: r.state,
    severity: severityName(r.sev),
    count: r.count,
    first_seen: new Date(r.first).toISOString(),
    opened_at: r.opened === 0 ? null : new Date(r.opened).toISOString(),
    last_seen: new Date(r.last).toISOString(),
    resolved_at: r.resolved === 0 ? null : new Date(r.resolved).toISOString(),
    repeat: r.rep,
    actions: r.actions,
    notes: r.notes.map((n) => ({ time: new Date(n.time).toISOString(), actor: n.actor, text: n.text })),
    /** `portcullis explain --id` it (or GET /admin/api/requests/<id> with trust on) for its decision breakdown. */
    last_request_id: r.req === '' ? null : r.req,
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

// Incidents: reports counted into shared records (scripts.ts), the severity's actions taken by the instance that
// saw the transition, quiet incidents resolved by a sweep, and every transition told to the alert targets.
import type { Clock } from '../core/clock.js';
import type { Closable } from '../core/resources.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Decisions } from '../reputation/decisions.js';
import { normaliseSubject, type Decision, type Subject } from '../reputation/decision.js';
import { ipv4Prefix, ipv6Hextets, ipv6Prefix } from '../net/prefix.js';
import { parseV4 } from '../net/ip.js';
import {
  KINDS,
  SEVERITIES,
  ladderOf,
  rank,
  type IncidentKind,
  type IncidentsConfig,
  type LadderStep,
} from './config.js';
import {
  INCIDENT_PREFIX,
  NETWORK_PREFIX,
  incidentKey,
  incidentView,
  parseRecord,
  severityName,
  type IncidentRecord,
  type IncidentView,
} from './record.js';
import { ADDRESSES, AMEND, OBSERVE, thresholdArg, type Transition } from './scripts.js';
import type { Signal } from './signals.js';

export const INCIDENT_SCHEMA = 'portcullis.incident/1';

/** A transition as alert targets and the log receive it. */
export interface IncidentNotice {
  readonly schema: typeof INCIDENT_SCHEMA;
  readonly transition: Exclude<Transition, 'none' | 'missing'>;
  readonly incident: IncidentView;
}

export interface IncidentTarget {
  /** Must return at once (delivery happens later, elsewhere). */
  notify(n: IncidentNotice): void;
}

/** Moves the client of a report to the suspicious tier for ttlMs (null: no rate limits configured). */
export type Tighten = ((ttlMs: number) => Promise<void>) | null;

export interface IncidentSettings {
  readonly mode: 'enforce' | 'monitor';
  readonly windowMs: number;
  readonly quietMs: number;
  readonly rememberMs: number;
  readonly ttlMs: number;
  readonly networkMin: number;
  /** Per kind, the script's thresholds argument ('' when no rule names the kind: not counted at all). */
  readonly thresholds: Readonly<Record<IncidentKind, string>>;
  readonly ladder: Readonly<Record<string, readonly LadderStep[]>>;
  /**
   * Addresses never blocked or tightened (`decisions.auto.exempt`: loopback by default, where a local proxy not
   * listed in trusted_proxies would make every client one): their incidents open and alert, without actions.
   */
  readonly exempt: (ip: string) => boolean;
}

export function settingsOf(c: IncidentsConfig, exempt: (ip: string) => boolean = () => false): IncidentSettings {
  const thresholds = {} as Record<IncidentKind, string>;
  for (const k of KINDS)
    thresholds[k] = thresholdArg(
      c.rules.filter((r) => r.kind === k).map((r) => ({ count: r.count, rank: rank(r.severity) })),
    );
  const ladder: Record<string, readonly LadderStep[]> = {};
  for (const s of SEVERITIES) ladder[s] = ladderOf(c, s);
  return Object.freeze({
    mode: c.mode === 'monitor' ? 'monitor' : 'enforce',
    windowMs: c.window_s * 1000,
    quietMs: c.quiet_s * 1000,
    rememberMs: c.remember_s * 1000,
    // a resolved record is kept while it can still make its subject a repeat offender
    ttlMs: (c.window_s + c.quiet_s + c.remember_s) * 1000,
    networkMin: c.network_min_addresses,
    thresholds: Object.freeze(thresholds),
    ladder: Object.freeze(ladder),
    exempt,
  });
}

/** The /24 of an IPv4 address or the /48 of an IPv6 one (a network attack's unit), as a CIDR; null if neither. */
export function networkOf(ip: string): string | null {
  const n = parseV4(ip, false);
  if (n !== -1) return ipv4Prefix(ip, n, 24);
  const words = ipv6Hextets(ip);
  if (words === null) return null;
  // spelled as blocks spell prefixes (the admin API, the lookup), not as rate-limit keys are
  const c = normaliseSubject('prefix', ipv6Prefix(words, 48));
  return 'value' in c ? c.value : null;
}

const SWEEP_MS = 5_000;

export class Incidents implements Closable {
  settings: IncidentSettings | null = null;
  private readonly targets = new Set<IncidentTarget>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly blocks: Decisions,
    /** Counts each transition (kind, severity, transition) and each failure: metrics, from the integrator. */
    private readonly count: (kind: string, severity: string, transition: string) => void = () => undefined,
  ) {}

  /** Receives every transition from now on; returns the function that stops it. */
  subscribe(t: IncidentTarget): () => void {
    this.targets.add(t);
    return () => void this.targets.delete(t);
  }

  /** Starts the sweep that resolves quiet incidents (idempotent). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** One report, off the request path: counted, and acted on by the instance that sees a transition. */
  async observe(signal: Signal, tighten: Tighten = null): Promise<Transition | 'inhibited'> {
    const s = this.settings;
    if (s === null) return 'none';
    const thresholds = s.thresholds[signal.kind];
    if (thresholds === '') return 'none';
    // a failing compile service makes every client's compiles time out: while its incident is live, those
    // time-outs are its doing, not the clients' (inhibited, like Alertmanager's inhibit rules)
    if (signal.kind === 'timeout' && (await this.serviceFailing())) {
      this.count('timeout', 'none', 'inhibited');
      return 'inhibited';
    }
    const key = incidentKey(signal.kind, signal.subject);
    // the compile service failing is an incident when many clients see it: one client whose compiles make the
    // service time out must not open it (it would inhibit its own time-out incidents)
    const ruled =
      signal.kind === 'upstream' &&
      (await this.store.run(ADDRESSES, [`${NETWORK_PREFIX}service`], [s.windowMs, signal.ip, 256])) < s.networkMin
        ? ''
        : thresholds;
    const args = [s.windowMs, s.rememberMs, s.ttlMs, signal.kind, signal.subject, ruled, signal.requestId];
    const r = await this.store.run(OBSERVE, [key], args);
    // an attack from one address of a network counts toward the network (block_network needs several)
    const net = signal.kind === 'attack' ? networkOf(signal.ip) : null;
    const addresses =
      net === null ? 0 : await this.store.run(ADDRESSES, [`${NETWORK_PREFIX}${net}`], [s.ttlMs, signal.ip, 256]);
    if (r.transition !== 'opened' && r.transition !== 'escalated') return r.transition;
    const rec = parseRecord(r.record);
    if (rec === null) return r.transition;
    const done = await this.act(s, rec, signal, net, addresses, tighten);
    // one store call records every step (a line each: the details inside are codes, never a line break)
    const lines = done.map((l) => l.replace(/\n/g, ' ')).join('\n');
    const after =
      parseRecord((await this.store.run(AMEND, [key], ['act', s.quietMs, s.ttlMs, '', lines])).record) ?? rec;
    this.tell(r.transition, after);
    return r.transition;
  }

  /** Reports an automatic block made by decisions (Decisions.onOffence) as an `offence`. */
  offence(d: Decision): void {
    const signal: Signal = {
      kind: 'offence',
      subject: `${d.scope}:${d.value}`,
      ip: d.scope === 'ip' ? d.value : '',
      user: d.scope === 'user' ? d.value : null,
      requestId: '',
      detail: `${d.scope} ${d.value} for ${Math.round((d.expires - d.created) / 1000)}s, offence ${d.offence ?? 1}: ${d.reason}`,
    };
    this.observe(signal).catch((err: unknown) => this.log.warn({ err }, 'incidents: an offence was not counted'));
  }

  /** Whether the compile service's own incident is open or escalated. */
  private async serviceFailing(): Promise<boolean> {
    const raw = await this.store.get(incidentKey('upstream', 'service'));
    const r = raw === null ? null : parseRecord(raw);
    return r !== null && (r.state === 'open' || r.state === 'escalated');
  }

  /** The severity's steps, taken (or recorded as a dry run); returns what was done, one line per step. */
  private async act(
    s: IncidentSettings,
    rec: IncidentRecord,
    signal: Signal,
    net: string | null,
    addresses: number,
    tighten: Tighten,
  ): Promise<string[]> {
    const severity = severityName(rec.sev)!;
    const done: string[] = [];
    const now = this.clock.now();
    // an automatic block is the first thing done about an offence (decisions made it before reporting it)
    if (signal.kind === 'offence') done.push(`automatic block (decisions): ${signal.detail}`);
    const reason = `incident ${rec.id}: ${rec.kind} ${severity} (${signal.detail})`;
    for (const step of s.ladder[severity] ?? []) {
      const ttlMs = (step.ttl_s ?? 0) * 1000;
      const dry = s.mode === 'monitor' || step.dry_run;
      const label = `${step.action}${step.ttl_s === undefined ? '' : ` ${step.ttl_s}s`}`;
      let subject: Subject | null = null;
      if (step.action === 'log') {
        done.push('log');
        continue;
      }
      if (step.action !== 'block_user' && signal.ip !== '' && s.exempt(signal.ip)) {
        done.push(`skipped ${label}: ${signal.ip} is exempt (decisions.auto.exempt)`);
        continue;
      }
      if (step.action === 'tighten') {
        if (signal.subject === 'service' || tighten === null) {
          done.push(`skipped ${label}: no client tier to tighten`);
          continue;
        }
        if (!dry) await tighten(ttlMs);
        done.push(dry ? `dry-run ${label}` : label);
        continue;
      }
      if (step.action === 'block_ip' && signal.ip !== '' && signal.subject !== 'service')
        subject = { scope: 'ip', value: signal.ip };
      if (step.action === 'block_user' && signal.user !== null) subject = { scope: 'user', value: signal.user };
      if (step.action === 'block_network' && net !== null) {
        // one office behind NAT is not a network attack: several distinct addresses must have offended
        if (addresses < s.networkMin) {
          done.push(`skipped ${label} ${net}: ${addresses} of ${s.networkMin} addresses`);
          continue;
        }
        subject = { scope: 'prefix', value: net };
      }
      if (subject === null) {
        done.push(`skipped ${label}: no ${step.action.slice(6)} to block`);
        continue;
      }
      if (!dry)
        await this.blocks.add(
          { ...subject, reason, origin: 'incident', actor: 'portcullis', created: now, expires: now + ttlMs },
          { action: 'block', actor: `incident:${rec.id}` },
        );
      done.push(`${dry ? 'dry-run ' : ''}${label} ${subject.value}`);
    }
    return done;
  }

  private tell(transition: IncidentNotice['transition'], rec: IncidentRecord): void {
    const notice: IncidentNotice = { schema: INCIDENT_SCHEMA, transition, incident: incidentView(rec) };
    this.count(rec.kind, severityName(rec.sev) ?? 'none', transition);
    this.log.warn({ incident: notice.incident, transition }, `incident ${transition}`);
    for (const t of this.targets) {
      try {
        t.notify(notice);
      } catch (err) {
        this.log.error({ err }, 'incident target failed');
      }
    }
  }

  /** Every incident record (pending ones left out), newest first. */
  async list(): Promise<IncidentRecord[]> {
    const out: IncidentRecord[] = [];
    for (const e of await this.store.list(INCIDENT_PREFIX)) {
      const r = parseRecord(e.value);
      if (r !== null && r.state !== 'pending') out.push(r);
    }
    return out.sort((a, b) => b.last - a.last);
  }

  /** An operator's resolve, reopen or note on incident `id`; null when there is no such incident. */
  async amend(id: string, op: 'resolve' | 'reopen' | 'annotate', actor: string, text: string) {
    const s = this.settings;
    if (s === null) return null;
    for (const e of await this.store.list(INCIDENT_PREFIX)) {
      const r = parseRecord(e.value);
      if (r === null || r.id !== id) continue;
      const key = incidentKey(r.kind, r.subject);
      const res = await this.store.run(AMEND, [key], [op, s.quietMs, s.ttlMs, actor, text]);
      const after = parseRecord(res.record);
      if (after === null) return null;
      if (res.transition === 'resolved' || res.transition === 'reopened') this.tell(res.transition, after);
      return { transition: res.transition, incident: after };
    }
    return null;
  }

  /** Resolves every live incident quiet for `quiet_s` (each instance sweeps; the script lets one win). */
  async sweep(): Promise<number> {
    const s = this.settings;
    if (s === null || this.sweeping) return 0;
    this.sweeping = true;
    let resolved = 0;
    try {
      const now = this.clock.now();
      for (const e of await this.store.list(INCIDENT_PREFIX)) {
        const r = parseRecord(e.value);
        if (r === null || (r.state !== 'open' && r.state !== 'escalated') || now - r.last < s.quietMs) continue;
        const res = await this.store.run(AMEND, [incidentKey(r.kind, r.subject)], ['auto', s.quietMs, s.ttlMs, '', '']);
        const after = res.transition === 'resolved' ? parseRecord(res.record) : null;
        if (after !== null) {
          resolved++;
          this.tell('resolved', after);
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'incidents: the sweep failed (the store may be down); it runs again');
    } finally {
      this.sweeping = false;
    }
    return resolved;
  }

  /** Set by whoever subscribed the service to automatic blocks: undone on close. */
  unsubscribeOffences: (() => void) | null = null;

  close(): void {
    this.unsubscribeOffences?.();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.targets.clear();
  }
}

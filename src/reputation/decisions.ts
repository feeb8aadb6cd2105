// Blocks shared by every instance: records in the Store (Redis when configured), a local cache refreshed by
// the Store's change signal and a periodic full read, and one call, offend(), for automatic blocks. One
// long-lived service, created by the runtime and handed to the checks of every configuration.
import type { Clock } from '../core/clock.js';
import type { Closable } from '../core/resources.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { DecisionCache } from './decision-cache.js';
import {
  KEY_PREFIX,
  keyOf,
  normaliseSubject,
  parseDecision,
  type Decision,
  type Origin,
  type Subject,
} from './decision.js';
import { OFFENCE, stepFor } from './escalation.js';
import { THRESHOLD_COUNT } from '../store/threshold-count.js';

/** Receives every change (add, lift, automatic block) with its actor. */
export interface AuditWriter {
  write(entry: { action: 'add' | 'lift' | 'block'; actor: string; token_id?: string; decision: Decision }): void;
  /** An operator's change to an incident (resolve, reopen, annotate): audited like blocks. */
  writeIncident?(entry: { action: string; actor: string; token_id?: string; incident: string; note: string }): void;
  /** Opens a file destination again by its path (log rotation, SIGHUP). */
  reopen?(): void;
}

export interface DecisionSettings {
  readonly stepsMs: readonly number[];
  readonly rememberMs: number;
  readonly audit: AuditWriter | null;
}

const DEFAULTS: DecisionSettings = Object.freeze({
  stepsMs: Object.freeze([300_000, 3_600_000, 86_400_000]),
  rememberMs: 604_800_000,
  audit: null,
});

/** How often the cache checks whether a full re-read is due (no I/O unless it is). */
const TICK_MS = 250;

export class Decisions implements Closable {
  settings: DecisionSettings = DEFAULTS;
  private readonly cache: DecisionCache;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | null = null;
  private loading: Promise<void> | null = null;
  private lastSync = 0;
  private wasDegraded = false;
  private everyMs = 30_000;
  /** Set by close(): a read still scheduled (start() defers the first) finds the store closed and skips. */
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.cache = new DecisionCache(clock);
    this.unsubscribe = store.onChange((key) => {
      if (key.startsWith(KEY_PREFIX)) void this.refresh(key);
    });
  }

  /**
   * Loads every live decision now, again every `everyMs` (heals missed change signals), and at once when a
   * shared store that was unreachable (at start, or after an outage) answers again.
   */
  start(everyMs: number): Promise<void> {
    this.everyMs = everyMs;
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    // Deferred past the synchronous config build that calls start(): other checks' build work (rule
    // compilation, database verification) would otherwise block the loop while the first read is in flight,
    // and its reply would be taken for a store timeout.
    this.loading ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.resync());
    return this.loading;
  }

  /**
   * Stops the periodic re-read (the module was turned off by a reload). The change subscription stays: the
   * cache keeps following the store for the next start(), which reads everything again anyway.
   */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.loading = null;
  }

  /**
   * A FailoverStore serves from its local fallback while the shared store is down; what it lists then is
   * not the shared truth. Stores without a status are always authoritative.
   */
  private degraded(): boolean {
    const s = this.store as Store & { status?: () => string };
    return typeof s.status === 'function' && s.status() === 'degraded';
  }

  private tick(): void {
    const degraded = this.degraded();
    const recovered = this.wasDegraded && !degraded;
    this.wasDegraded = degraded;
    if (recovered || (!degraded && Date.now() - this.lastSync >= this.everyMs)) void this.resync();
  }

  /** Replaces the cache with the store's content. */
  async resync(): Promise<void> {
    if (this.closed) return; // a start refused at listen closes everything before the deferred first read
    let entries;
    this.lastSync = Date.now();
    try {
      entries = await this.store.list(KEY_PREFIX);
    } catch (err) {
      this.log.warn({ err }, 'decisions: store unavailable, keeping the cached blocks');
      return;
    }
    if (this.degraded()) {
      this.wasDegraded = true; // the answer came from the local fallback: keep the cache, retry on recovery
      return;
    }
    this.cache.replaceAll(entries.map((e) => ({ key: e.key, decision: parseDecision(e.value) })));
  }

  private async refresh(key: string): Promise<void> {
    try {
      this.cache.set(key, parseDecision(await this.store.get(key)));
    } catch (err) {
      this.log.warn({ err, key }, 'decisions: refresh failed; the next resync repairs it');
    }
  }

  /** The block in force on a client address, or null (a local read). */
  findIp(ip: string): Decision | null {
    return this.cache.findIp(ip);
  }

  /** The block in force on a user, or null (a local read). */
  findUser(user: string): Decision | null {
    return this.cache.findUser(user);
  }

  /** Stores a block (every instance hears it) and writes the audit line. */
  async add(d: Decision, auditAs: { action: 'add' | 'block'; actor: string; token_id?: string }): Promise<Decision> {
    const key = keyOf(d);
    const ttl = d.expires - this.clock.now();
    if (ttl <= 0) throw new RangeError('a block must end in the future');
    this.cache.set(key, d);
    await this.store.set(key, JSON.stringify(d), ttl);
    this.settings.audit?.write({ ...auditAs, decision: d });
    return d;
  }

  /** Lifts a block; resolves the lifted record, or null when there was none. */
  async lift(s: Subject, actor: string, tokenId?: string): Promise<Decision | null> {
    const key = keyOf(s);
    const existing = parseDecision(await this.store.get(key));
    this.cache.set(key, null);
    const existed = await this.store.delete(key);
    if (!existed || existing === null) return null;
    this.settings.audit?.write({
      action: 'lift',
      actor,
      ...(tokenId !== undefined ? { token_id: tokenId } : {}),
      decision: existing,
    });
    return existing;
  }

  /** Every live decision in the store (authoritative, across instances). */
  async list(): Promise<Decision[]> {
    const now = this.clock.now();
    const out: Decision[] = [];
    for (const e of await this.store.list(KEY_PREFIX)) {
      const d = parseDecision(e.value);
      if (d !== null && d.expires > now) out.push(d);
    }
    return out;
  }

  /**
   * The one call for automatic blocks (a CRITICAL signature, repeated rate-limit refusals, anomalies):
   * counts the offence and blocks for the step it reached (5 min, 1 h, 24 h by default). An existing block
   * that ends later is kept. Resolves the block in force.
   */
  async offend(subject: Subject, reason: string, origin: Origin = 'rule', actor = 'portcullis'): Promise<Decision> {
    const norm = normaliseSubject(subject.scope, subject.value);
    if ('error' in norm) throw new RangeError(norm.error);
    const s = { scope: subject.scope, value: norm.value };
    const { stepsMs, rememberMs } = this.settings;
    const n = await this.store.run(OFFENCE, [`offence:${s.scope}:${s.value}`], [rememberMs]);
    const now = this.clock.now();
    const d: Decision = Object.freeze({
      ...s,
      reason,
      origin,
      actor,
      created: now,
      expires: now + stepFor(stepsMs, n),
      offence: n,
    });
    const current = s.scope === 'user' ? this.findUser(s.value) : s.scope === 'ip' ? this.findIp(s.value) : null;
    if (current !== null && keyOf(current) === keyOf(d) && current.expires >= d.expires) return current;
    const made = await this.add(d, { action: 'block', actor });
    for (const l of this.offenceListeners) l(made);
    return made;
  }

  private readonly offenceListeners = new Set<(d: Decision) => void>();

  /** Hears every automatic block offend() makes (incidents open one for it); returns the unsubscribe. */
  onOffence(listener: (d: Decision) => void): () => void {
    this.offenceListeners.add(listener);
    return () => void this.offenceListeners.delete(listener);
  }

  /**
   * Adds `weight` to the subject's evidence; true when the total within the window reached `threshold` (one
   * offence: the caller blocks through offend()). The total starts again after each offence.
   */
  async evidence(subject: Subject, weight: number, threshold: number, windowMs: number): Promise<boolean> {
    if (weight <= 0) return false;
    return this.store.run(
      THRESHOLD_COUNT,
      [`evidence:${subject.scope}:${subject.value}`],
      [windowMs, threshold, weight],
    );
  }

  /**
   * Counts one strike (e.g. a rate-limit refusal); every `threshold` strikes within the window is an offence.
   * `kind` keeps counts of different evidence apart (429s and refused credentials do not add up).
   */
  async strike(subject: Subject, threshold: number, windowMs: number, kind = 'strike'): Promise<boolean> {
    return this.store.run(THRESHOLD_COUNT, [`${kind}:${subject.scope}:${subject.value}`], [windowMs, threshold, 1]);
  }

  get counts(): { ip: number; prefix: number; user: number } {
    return this.cache.counts;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.stop();
  }
}

// Redis failure policy: fail-open (a local MemoryStore takes over) or fail-closed (calls reject), with recovery.
import type { Clock } from '../core/clock.js';
import { StoreError, type StoreErrorKind } from './errors.js';
import type { MemoryStore } from './memory.js';
import type { Store, StoreEntry, StoreScript } from './store.js';

export type FailurePolicy = 'fail-open' | 'fail-closed';

/** The metrics this module feeds (the gateway's Metrics object satisfies it). */
export interface StoreTelemetry {
  readonly storeUp: { set(value: number): void };
  readonly storeErrors: { inc(labels: { kind: StoreErrorKind }): void };
}

/** Enough of a pino logger for transition messages. */
export interface TransitionLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface FailoverOptions {
  readonly policy: FailurePolicy;
  /** While down, one call in this many milliseconds probes the primary again (besides reconnect events). */
  readonly retryMs: number;
  readonly log: TransitionLog;
  readonly telemetry?: StoreTelemetry;
}

export type StoreStatus = 'up' | 'degraded';

/**
 * Wraps a shared store. While it answers, every call goes to it. When a call fails because the backend is
 * unreachable or slow (not because a script is wrong), the store is marked down — logged once, counted — and
 * calls go to the local fallback (fail-open) or reject with a StoreError (fail-closed) until the primary
 * reports a reconnect or a probe call succeeds. Probes use real calls: no extra traffic while healthy.
 */
export class FailoverStore implements Store {
  readonly kind: string;
  readonly clock: Clock;
  private down = false;
  private retryAt = 0;
  private readonly fallbackOff: () => void;
  private readonly listeners = new Set<(key: string) => void>();
  private primaryOff: (() => void) | null = null;

  constructor(
    private readonly primary: Store,
    private readonly fallback: MemoryStore,
    private readonly options: FailoverOptions,
  ) {
    this.kind = primary.kind;
    this.clock = primary.clock;
    options.telemetry?.storeUp.set(1);
    this.fallbackOff = fallback.onChange((k) => this.emit(k));
  }

  /** 'degraded' while the primary is marked down (for /readyz). */
  status(): StoreStatus {
    return this.down ? 'degraded' : 'up';
  }

  get policy(): FailurePolicy {
    return this.options.policy;
  }

  /** Connection events from the primary's client: a reconnect ends the outage at once. */
  connectionChanged(up: boolean, detail: string): void {
    if (up) this.markUp(detail);
    else this.markDown('connection', detail);
  }

  run<R>(script: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): Promise<R> {
    // async arrows: either store may answer synchronously or throw; the failover logic wants promises.
    return this.call(
      async () => this.primary.run(script, keys, args),
      async () => this.fallback.run(script, keys, args),
    );
  }

  get(key: string): Promise<string | null> {
    return this.call(
      () => this.primary.get(key),
      () => this.fallback.get(key),
    );
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.call(
      () => this.primary.set(key, value, ttlMs),
      () => this.fallback.set(key, value, ttlMs),
    );
  }

  delete(key: string): Promise<boolean> {
    return this.call(
      () => this.primary.delete(key),
      () => this.fallback.delete(key),
    );
  }

  list(prefix: string): Promise<StoreEntry[]> {
    return this.call(
      () => this.primary.list(prefix),
      () => this.fallback.list(prefix),
    );
  }

  onChange(listener: (key: string) => void): () => void {
    if (this.primaryOff === null) this.primaryOff = this.primary.onChange((k) => this.emit(k));
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.primaryOff?.();
    this.fallbackOff();
    this.listeners.clear();
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  private emit(key: string): void {
    for (const l of this.listeners) l(key);
  }

  private async call<T>(onPrimary: () => Promise<T>, onFallback: () => Promise<T>): Promise<T> {
    if (this.down) {
      const now = Date.now();
      if (now < this.retryAt) return this.degraded(onFallback);
      // This call is the probe; others keep using the fallback until it answers.
      this.retryAt = now + this.options.retryMs;
    }
    try {
      const result = await onPrimary();
      if (this.down) this.markUp('probe answered');
      return result;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      this.options.telemetry?.storeErrors.inc({ kind: err.kind });
      if (!err.unavailable) throw err;
      this.markDown(err.kind, err.message);
      return this.degraded(onFallback);
    }
  }

  private degraded<T>(onFallback: () => Promise<T>): Promise<T> {
    if (this.options.policy === 'fail-open') return onFallback();
    return Promise.reject(new StoreError('connection', `shared store ${this.kind} unavailable (fail-closed)`));
  }

  private markDown(kind: string, detail: string): void {
    if (this.down) return;
    this.down = true;
    this.retryAt = Date.now() + this.options.retryMs;
    this.options.telemetry?.storeUp.set(0);
    this.options.log.warn(
      { store: this.kind, kind, detail, policy: this.options.policy },
      `shared store down: ${this.options.policy === 'fail-open' ? 'local in-memory limits take over' : 'refusing with 503'}`,
    );
  }

  private markUp(detail: string): void {
    if (!this.down) return;
    this.down = false;
    this.options.telemetry?.storeUp.set(1);
    this.options.log.info({ store: this.kind, detail }, 'shared store back up: shared state resumed');
  }
}

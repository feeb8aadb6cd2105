// The Deliverer: one HTTP sink's queue, rate limit, retries with backoff, timeout and dead letters, so that
// raising an alert never blocks or slows the request that raised it.
import type { CidrSet } from '../net/cidr.js';
import { backoffDelayMs } from './backoff.js';
import { classify, type AttemptVerdict } from './classify.js';
import { checkDestination, systemResolve, type Resolve } from './destination.js';
import type { Notification } from './notification.js';
import { PinnedClient } from './pinned-client.js';
import type { AlertSink } from './sink.js';
import { newMessageId } from './standard-webhooks.js';
import type { Timers } from './timers.js';

/**
 * Counted per sink. delivered: a 2xx. retried: one failed attempt, another follows. dead: the last attempt
 * failed or the failure is permanent (the message is a dead letter). refused: the SSRF guard refused the
 * destination (also a dead letter, never retried). dropped: a message lost unsent: the oldest queued one when
 * the queue is full, or what is queued when the sink closes or after it closed.
 */
export type Outcome = 'delivered' | 'retried' | 'dead' | 'dropped' | 'refused';

export interface OutcomeInfo {
  readonly id: string;
  readonly detail: string;
}

export type OnOutcome = (sink: string, outcome: Outcome, info: OutcomeInfo) => void;

/** What differs between HTTP sinks: where to, and what one attempt sends. */
export interface HttpTarget {
  readonly url: string;
  readonly allow: CidrSet;
  /** The body, made once per message: retries send the same bytes. */
  render(n: Notification): string;
  /** The headers of one attempt (a webhook's signature covers the attempt's timestamp). */
  headers(id: string, nowMs: number, body: string): Readonly<Record<string, string>>;
}

export interface DeliverySettings {
  /** Messages waiting behind the one being delivered; when full the oldest waiting one is dropped. */
  readonly queueMax: number;
  readonly deadLetterMax: number;
  /** Attempts per message, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** One attempt, from DNS lookup to the end of the answer. */
  readonly timeoutMs: number;
  /** Least time between the starts of two requests of this sink (1000: one a second). */
  readonly minIntervalMs: number;
  /** A longer Retry-After is cut to this: a receiver cannot park the sink for a day. */
  readonly maxRetryAfterMs: number;
}

export const DELIVERY_DEFAULTS: DeliverySettings = Object.freeze({
  queueMax: 100,
  deadLetterMax: 100,
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 15_000,
  minIntervalMs: 100,
  maxRetryAfterMs: 300_000,
});

export interface DeliveryDeps {
  readonly timers: Timers;
  readonly onOutcome: OnOutcome;
  readonly resolve?: Resolve;
  readonly random?: () => number;
}

export interface DeadLetter {
  /** The message id (a webhook's `webhook-id`), kept by a re-send. */
  readonly id: string;
  readonly sink: string;
  readonly notification: Notification;
  readonly attempts: number;
  readonly reason: string;
  /** ISO 8601: when the last attempt failed. */
  readonly at: string;
}

export interface DeliveryStats {
  readonly queued: number;
  readonly inFlight: boolean;
  readonly deadLetters: number;
}

interface Message {
  readonly id: string;
  readonly notification: Notification;
  attempts: number;
  body: string | null;
}

type Verdict = AttemptVerdict | { readonly kind: 'refused'; readonly detail: string };

/** Resolves with `aborted` when the signal fires first: a DNS lookup cannot itself be cancelled. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class Deliverer implements AlertSink {
  /**
   * Waiting messages, oldest first. Bounded by dropping the oldest: during an alert storm or an outage of the
   * receiver the newest messages (escalations, resolutions) say most about the state now.
   */
  private readonly queue: Message[] = [];
  /** The one message being delivered (in flight or waiting for its retry); messages behind it wait, in order. */
  private current: Message | null = null;
  private timer: unknown = null;
  private inflight: AbortController | null = null;
  private nextStartAt = Number.NEGATIVE_INFINITY;
  private pumpQueued = false;
  private closing = false;
  private readonly dead: DeadLetter[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly client: PinnedClient;
  private readonly resolve: Resolve;
  private readonly random: () => number;

  constructor(
    readonly name: string,
    private readonly target: HttpTarget,
    private readonly settings: DeliverySettings,
    private readonly deps: DeliveryDeps,
  ) {
    if (settings.queueMax < 1 || settings.attempts < 1 || settings.deadLetterMax < 0) {
      throw new Error(`alert sink ${name}: queueMax and attempts are at least 1, deadLetterMax at least 0`);
    }
    this.client = new PinnedClient(settings.timeoutMs);
    this.resolve = deps.resolve ?? systemResolve;
    this.random = deps.random ?? Math.random;
  }

  enqueue(n: Notification): void {
    const id = newMessageId();
    if (this.closing) {
      this.count('dropped', id, 'sink closed');
      return;
    }
    this.push({ id, notification: n, attempts: 0, body: null });
  }

  /** The dead letters, oldest first (at most deadLetterMax: a new one pushes the oldest out). */
  deadLetters(): readonly DeadLetter[] {
    return Object.freeze([...this.dead]);
  }

  /** Queues a dead letter again under its id, with a fresh set of attempts; false when there is none such. */
  resend(id: string): boolean {
    if (this.closing) return false;
    const i = this.dead.findIndex((d) => d.id === id);
    if (i === -1) return false;
    const d = this.dead.splice(i, 1)[0]!;
    this.push({ id: d.id, notification: d.notification, attempts: 0, body: null });
    return true;
  }

  stats(): DeliveryStats {
    return { queued: this.queue.length, inFlight: this.inflight !== null, deadLetters: this.dead.length };
  }

  async close(flushMs = 0): Promise<void> {
    this.closing = true;
    if (flushMs > 0 && !this.idle()) await this.waitIdle(flushMs);
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
    this.inflight?.abort();
    const left = this.current === null ? [...this.queue] : [this.current, ...this.queue];
    this.current = null;
    this.queue.length = 0;
    for (const m of left) this.count('dropped', m.id, 'sink closed');
    this.wakeIdle();
    await this.client.close();
  }

  private count(outcome: Outcome, id: string, detail: string): void {
    this.deps.onOutcome(this.name, outcome, { id, detail });
  }

  private push(m: Message): void {
    if (this.queue.length >= this.settings.queueMax) {
      const oldest = this.queue.shift()!;
      this.count('dropped', oldest.id, 'queue full');
    }
    this.queue.push(m);
    // started after the caller's synchronous work: enqueue() itself does nothing but this
    if (this.current === null && !this.pumpQueued) {
      this.pumpQueued = true;
      queueMicrotask(() => {
        this.pumpQueued = false;
        this.next();
      });
    }
  }

  private next(): void {
    if (this.current !== null) return;
    const m = this.queue.shift();
    if (m === undefined) {
      this.wakeIdle();
      return;
    }
    this.current = m;
    this.schedule(0);
  }

  /** The next attempt of the current message, no earlier than `delayMs` from now nor than the rate allows. */
  private schedule(delayMs: number): void {
    const now = this.deps.timers.now();
    const wait = Math.max(now + delayMs, this.nextStartAt) - now;
    if (wait <= 0) {
      void this.attempt();
      return;
    }
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, wait);
  }

  private async attempt(): Promise<void> {
    const m = this.current;
    if (m === null) return;
    m.attempts++;
    this.nextStartAt = this.deps.timers.now() + this.settings.minIntervalMs;
    let v: Verdict;
    try {
      v = await this.tryOnce(m);
    } catch (err) {
      // a fault of ours (rendering, signing): retrying would fault again
      v = { kind: 'permanent', detail: `fault: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (this.current !== m) return; // closed meanwhile: close() counted the message
    if (v.kind === 'delivered') {
      this.count('delivered', m.id, '');
      this.finish();
    } else if (v.kind === 'retry' && m.attempts < this.settings.attempts) {
      this.count('retried', m.id, v.detail);
      const delay =
        v.afterMs !== null
          ? Math.min(v.afterMs, this.settings.maxRetryAfterMs)
          : backoffDelayMs(m.attempts, this.settings.baseDelayMs, this.settings.maxDelayMs, this.random);
      this.schedule(delay);
    } else {
      this.bury(m, v.kind === 'refused' ? 'refused' : 'dead', v.detail);
    }
  }

  private async tryOnce(m: Message): Promise<Verdict> {
    const timers = this.deps.timers;
    const ac = new AbortController();
    const t = timers.setTimeout(() => ac.abort(), this.settings.timeoutMs);
    this.inflight = ac;
    try {
      const dest = await unlessAborted(checkDestination(this.target.url, this.target.allow, this.resolve), ac.signal);
      if (dest === 'aborted') return { kind: 'retry', detail: 'timeout', afterMs: null };
      if (!dest.ok) {
        if (dest.code === 'dns') return { kind: 'retry', detail: `dns: ${dest.detail}`, afterMs: null };
        return { kind: 'refused', detail: `${dest.code}: ${dest.detail}` };
      }
      m.body ??= this.target.render(m.notification);
      const headers = this.target.headers(m.id, timers.now(), m.body);
      return classify(await this.client.post(dest, headers, m.body, ac.signal), timers.now());
    } finally {
      timers.clearTimeout(t);
      this.inflight = null;
    }
  }

  private bury(m: Message, outcome: 'dead' | 'refused', reason: string): void {
    const letter: DeadLetter = Object.freeze({
      id: m.id,
      sink: this.name,
      notification: m.notification,
      attempts: m.attempts,
      reason,
      at: new Date(this.deps.timers.now()).toISOString(),
    });
    this.dead.push(letter);
    if (this.dead.length > this.settings.deadLetterMax) this.dead.shift();
    this.count(outcome, m.id, reason);
    this.finish();
  }

  private finish(): void {
    this.current = null;
    this.next();
  }

  private idle(): boolean {
    return this.current === null && this.queue.length === 0;
  }

  private wakeIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Until the queue is empty or `ms` have passed (on the injected timers). */
  private waitIdle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.deps.timers.setTimeout(() => {
        const i = this.idleWaiters.indexOf(done);
        if (i !== -1) this.idleWaiters.splice(i, 1);
        resolve();
      }, ms);
      const done = (): void => {
        this.deps.timers.clearTimeout(t);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }
}

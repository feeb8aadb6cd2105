// Leased grants: one store script call admits up to N requests of a client, served locally after.
import { isPromise, type Store } from '../store/store.js';
import type { Plan } from './plan.js';
import { planKeys, standingsAt, type LimitOutcome, type Subject } from './limiter.js';
import { RATE_SCRIPT, type ScriptResult } from './script.js';
import { longestWaitMs } from './headers.js';

export interface LeaseSettings {
  /** The most requests one call may admit; 1 turns leasing off (one store call per request). */
  readonly maxUnits: number;
  /** A grant takes at most 1/share of the smallest room left, so near a limit grants shrink to 1. */
  readonly share: number;
  /** How long unused units (and a cached refusal) stay usable, in ms. */
  readonly maxMs: number;
  /** Clients whose grants are held at once; the oldest is dropped beyond it (its unused units are lost). */
  readonly maxEntries: number;
}

interface Waiter {
  resolve(out: LimitOutcome): void;
  reject(err: unknown): void;
}

interface Entry {
  reply: ScriptResult | null;
  plan: Plan | null;
  /** Requests already answered from `reply` (the caller of the store call included). */
  used: number;
  /** Store-clock ms until which `reply` may answer: its units' lifetime, or a refusal's wait. */
  until: number;
  /** A grant fetched ahead while `reply` still had units (busy clients only), and how long it is good for. */
  next: ScriptResult | null;
  nextUntil: number;
  /** A store call for this client is in flight. */
  inflight: boolean;
  /** Requests of this client waiting for the store call in flight, oldest first. */
  queue: Waiter[];
}

const ALLOWED_EMPTY: LimitOutcome = Object.freeze({ allowed: true, standings: Object.freeze([]) });

/**
 * Why: a Redis round trip per request costs the gateway ~25 µs of CPU and Redis ~20 µs more, and a client
 * well inside its limits gets the same answer every time. A grant charges `granted` requests to every limit
 * of the plan at once (never more than the limits allow, so the shared count stays an upper bound); the
 * instance hands them out until they run out or `maxMs` passes. Unused units expire unreturned: across
 * instances a client can be refused up to (2 * maxUnits - 1) requests early per instance (a grant in use
 * and one fetched ahead), never let through more. A refusal is cached until its Retry-After (at most maxMs): a client hammering past its limit costs
 * no Redis traffic. Concurrent requests of one client wait for the call in flight instead of each making one.
 */
export class LeasedLimiter {
  private readonly entries = new Map<string, Entry>();
  /**
   * The store's last answer came synchronously (the memory store): grants are then taken inline and never
   * fetched ahead, since fetching costs the same as taking one when it is needed.
   */
  private syncStore = false;
  private readonly planIds = new WeakMap<Plan, string>();
  private readonly leaseArgs = new WeakMap<Plan, readonly (string | number)[]>();
  private nextPlanId = 0;

  constructor(
    private readonly store: Store,
    private readonly settings: LeaseSettings,
  ) {}

  check(plan: Plan, subject: Subject): LimitOutcome | Promise<LimitOutcome> {
    if (plan.defs.length === 0) return ALLOWED_EMPTY;
    const key = `${this.planId(plan)}\0${subject.tag}\0${subject.groups[0] ?? ''}`;
    let e = this.entries.get(key);
    if (e !== undefined && e.queue.length === 0) {
      const hit = this.take(e, this.store.clock.now());
      if (hit !== null) {
        if (!this.syncStore) this.refillEarly(plan, subject, e);
        return hit;
      }
    }
    e ??= this.create(key);
    const entry = e;
    const queued = (): Promise<LimitOutcome> =>
      new Promise<LimitOutcome>((resolve, reject) => entry.queue.push({ resolve, reject }));
    // A call in flight will serve this request too (only an asynchronous store leaves one in flight).
    if (e.inflight) return queued();
    const reply = this.store.run(RATE_SCRIPT, planKeys(plan, subject), this.argsFor(plan));
    if (!isPromise(reply)) {
      // Answered synchronously (the memory store): no queue, no promise. A failure was thrown above.
      this.syncStore = true;
      this.accept(e, plan, reply);
      return standingsAt(plan, reply, e.used, reply.now);
    }
    this.syncStore = false;
    const out = queued();
    this.settle(plan, subject, e, reply);
    return out;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private take(e: Entry, now: number): LimitOutcome | null {
    let r = e.reply;
    if (r !== null && e.next !== null && (now >= e.until || e.used >= r.granted)) {
      r = e.reply = e.next;
      e.until = e.nextUntil;
      e.used = 0;
      e.next = null;
    }
    if (r === null || e.plan === null || now >= e.until) return null;
    if (r.granted === 0) return standingsAt(e.plan, r, 0, now);
    if (e.used >= r.granted) return null;
    e.used++;
    // With a grant fetched ahead, the newer reply's counts include both grants: its unused units and ours
    // are the client's remaining quota.
    if (e.next !== null) return standingsAt(e.plan, e.next, e.used - r.granted, now);
    return standingsAt(e.plan, r, e.used, now);
  }

  /**
   * A busy client (its last grant was full size) that has used half of it gets the next grant fetched in the
   * background, so its requests keep being answered without waiting for a round trip. At most one grant is
   * held ahead, under the same limits: the bound on units held back per instance doubles, nothing more.
   */
  private refillEarly(plan: Plan, subject: Subject, e: Entry): void {
    const r = e.reply;
    if (e.inflight || e.next !== null || r === null || r.granted < this.settings.maxUnits) return;
    if (e.used * 2 < r.granted || this.settings.maxUnits < 2) return;
    this.call(plan, subject, e);
  }

  /**
   * One store call for the waiter at the head of the queue; the units it brings serve the waiters behind it
   * in order, and another call is made while some are left. Each call answers at least its head waiter, so
   * the queue always drains.
   */
  private call(plan: Plan, subject: Subject, e: Entry): void {
    let reply: ScriptResult | Promise<ScriptResult>;
    try {
      reply = this.store.run(RATE_SCRIPT, planKeys(plan, subject), this.argsFor(plan));
    } catch (err) {
      // A store that throws synchronously: the waiters hear it as they would a rejection.
      reply = Promise.reject(err);
    }
    this.settle(plan, subject, e, isPromise(reply) ? reply : Promise.resolve(reply));
  }

  /** Serves the queue from a store call's answer once it arrives (see call()). */
  private settle(plan: Plan, subject: Subject, e: Entry, reply: Promise<ScriptResult>): void {
    e.inflight = true;
    reply.then(
      (r) => {
        e.inflight = false;
        if (e.queue.length === 0) {
          // An early refill: its units wait behind the current grant's (a refusal is not kept: the current
          // units stay good, and the next call after them will hear it).
          if (r.granted > 0) {
            e.next = r;
            e.nextUntil = this.until(plan, r);
          }
          return;
        }
        this.accept(e, plan, r);
        const head = e.queue.shift();
        head?.resolve(standingsAt(plan, r, e.used, r.now));
        const now = this.store.clock.now();
        while (e.queue.length > 0) {
          const out = this.take(e, now);
          if (out === null) break;
          e.queue.shift()!.resolve(out);
        }
        if (e.queue.length > 0) this.call(plan, subject, e);
      },
      (err: unknown) => {
        e.inflight = false;
        // A fault or a fail-closed outage: every waiter gets it (each becomes that request's 503 or fault).
        const waiting = e.queue;
        e.queue = [];
        for (const w of waiting) w.reject(err);
      },
    );
  }

  private accept(e: Entry, plan: Plan, r: ScriptResult): void {
    e.next = null;
    e.reply = r;
    e.plan = plan;
    e.used = r.granted > 0 ? 1 : 0;
    e.until = this.until(plan, r);
  }

  /** Units live maxMs and never past a window boundary (the counts they were read with would be stale). */
  private until(plan: Plan, r: ScriptResult): number {
    let until = r.now + this.settings.maxMs;
    if (r.granted === 0) {
      const wait = longestWaitMs(standingsAt(plan, r, 0, r.now).standings);
      // The wait is rounded up from a backlog already rounded up to whole ms: end the cached refusal a ms
      // early so no request is refused locally that the store would have admitted.
      return Math.min(until, r.now + wait - 1);
    }
    for (const d of plan.defs) {
      if (d.params.kind === 'window') {
        const end = (Math.floor(r.now / d.params.windowMs) + 1) * d.params.windowMs;
        if (end < until) until = end;
      }
    }
    return until;
  }

  private create(key: string): Entry {
    if (this.entries.size >= this.settings.maxEntries) {
      // Map order is insertion order: the first key is the oldest client.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    const e: Entry = {
      reply: null,
      plan: null,
      used: 0,
      until: 0,
      next: null,
      nextUntil: 0,
      inflight: false,
      queue: [],
    };
    this.entries.set(key, e);
    return e;
  }

  private planId(plan: Plan): string {
    let id = this.planIds.get(plan);
    if (id === undefined) {
      id = String(this.nextPlanId++);
      this.planIds.set(plan, id);
    }
    return id;
  }

  private argsFor(plan: Plan): readonly (string | number)[] {
    let args = this.leaseArgs.get(plan);
    if (args === undefined) {
      args = Object.freeze([this.settings.maxUnits, this.settings.share, ...plan.args.slice(2)]);
      this.leaseArgs.set(plan, args);
    }
    return args;
  }
}

// The compile slots of one gateway instance and the queue in front of them: priority by tier, round-robin
// between the clients of a tier, a bounded wait, and shedding of the lowest tier when the queue is full.
import type { Lane, SlotGate } from './gate.js';

export type { Lane } from './gate.js';

export interface QueueSettings {
  /** Compiles in flight at once. */
  readonly capacity: number;
  /** Of those, slow-lane compiles. */
  readonly slowCapacity: number;
  /** Waiting requests, at most. */
  readonly queueMax: number;
  readonly maxWaitMs: number;
  /** Tier -> rank, 0 the highest; a tier not listed ranks `ranks.size`. */
  readonly ranks: ReadonlyMap<string, number>;
  /** Tier -> slots its requests may hold at once; a tier not listed may hold all. */
  readonly tierCaps: ReadonlyMap<string, number>;
}

/** Time and timers, injectable so tests move them by hand. */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
});

export type WaitResult = 'admitted' | 'shed' | 'timeout' | 'gone';

export interface Settled {
  readonly result: WaitResult;
  readonly waitMs: number;
}

type State = 'waiting' | 'held' | 'done';

/** One request's claim on a slot: settled at once (a free slot, or shed), or later through `wait()`. */
export class Ticket {
  state: State = 'waiting';
  settled: Settled | null = null;
  timer: unknown = null;
  private resolve: ((s: Settled) => void) | null = null;
  private promise: Promise<Settled> | null = null;

  constructor(
    readonly key: string,
    readonly tier: string,
    readonly rank: number,
    readonly lane: Lane,
    readonly at: number,
  ) {}

  /** The result, once it is known. */
  wait(): Promise<Settled> {
    if (this.settled !== null) return Promise.resolve(this.settled);
    return (this.promise ??= new Promise((r) => (this.resolve = r)));
  }

  settle(result: WaitResult, now: number): void {
    this.settled = { result, waitMs: Math.max(0, now - this.at) };
    this.state = result === 'admitted' ? 'held' : 'done';
    this.resolve?.(this.settled);
  }
}

/**
 * Why this shape: the compile service runs a few compiles at once and a compile takes up to its timeout, so
 * the slots are the scarce thing, not requests. A freed slot goes to the highest tier waiting; within a tier,
 * to the next client in turn among those holding less than their share of the slots (capacity over the
 * clients active), so one client's hundred requests wait behind everyone else's one. A tier may hold at most
 * its cap (`max_share`), keeping slots for the tiers above. When the queue is full, the newest request of the
 * client with the most waiting in the lowest tier is shed (possibly the one arriving).
 */
export class AdmissionQueue {
  private inflight = 0;
  private slowInflight = 0;
  private readonly held = new Map<string, number>();
  private readonly tierHeld = new Map<string, number>();
  /** Per rank: client key -> its waiting tickets, oldest first; map order is the round-robin turn. */
  private waiting: Map<string, Ticket[]>[] = [];
  private queued = 0;
  private readonly queuedByTier = new Map<string, number>();
  /** Slots beyond this instance's own count (shared.ts), null: local only. */
  private gate: SlotGate | null = null;
  /** Lanes a waiter could have used a gate slot of, found during one dispatch. */
  private wanted: Lane | 'both' | null = null;

  constructor(
    private settings: QueueSettings,
    private readonly sched: Scheduler = realScheduler,
    /** Called after every change of the counts (gauges). */
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** New settings (a reload): requests in flight keep their slots; a larger cap admits waiters at once. */
  configure(s: QueueSettings): void {
    this.settings = s;
    this.dispatch();
    this.onChange();
  }

  /** Sets (or removes) the shared gate; a gate removed gives its leases back. */
  useGate(gate: SlotGate | null): void {
    if (this.gate === gate) return;
    this.gate?.close();
    this.gate = gate;
    this.wake();
  }

  /** Something outside changed (a lease arrived, a retry time passed): free slots go to waiters. */
  wake(): void {
    this.dispatch();
    this.gate?.trim();
    this.onChange();
  }

  get config(): QueueSettings {
    return this.settings;
  }

  /** Asks for a slot. The ticket is settled at once when a slot is free or the request is shed. */
  acquire(key: string, tier: string, lane: Lane): Ticket {
    const s = this.settings;
    const t = new Ticket(key, tier, s.ranks.get(tier) ?? s.ranks.size, lane, this.sched.now());
    if (this.queued === 0 && this.runnable(t)) {
      // Admitted without waiting: the wait is 0, not the time a second clock reading happens to show.
      this.grant(t, t.at);
    } else if (this.makeRoom(t)) {
      this.enqueue(t);
      this.dispatch();
    }
    this.onChange();
    return t;
  }

  /** The request ended: frees its slot, or takes it out of the queue (settled `gone`). Idempotent. */
  release(t: Ticket): void {
    if (t.state === 'held') {
      t.state = 'done';
      this.inflight--;
      if (t.lane === 'slow') this.slowInflight--;
      dec(this.held, t.key);
      dec(this.tierHeld, t.tier);
      this.gate?.freed(t.lane);
      this.dispatch();
      this.gate?.trim();
    } else if (t.state === 'waiting') {
      this.remove(t);
      t.settle('gone', this.sched.now());
    } else {
      return;
    }
    this.onChange();
  }

  /** Ends every wait (shed): the queue is going away with the configuration that named it. */
  close(): void {
    this.gate?.close();
    this.gate = null;
    const now = this.sched.now();
    for (const m of this.waiting) {
      if (m === undefined) continue;
      for (const list of [...m.values()])
        for (const t of [...list]) {
          this.remove(t);
          t.settle('shed', now);
        }
    }
    this.onChange();
  }

  stats(): {
    inflight: number;
    slowInflight: number;
    queued: number;
    queuedByTier: ReadonlyMap<string, number>;
  } {
    return {
      inflight: this.inflight,
      slowInflight: this.slowInflight,
      queued: this.queued,
      queuedByTier: this.queuedByTier,
    };
  }

  /** Whether t could take a slot now, fairness aside. */
  private runnable(t: Ticket): boolean {
    const s = this.settings;
    if (this.inflight >= s.capacity) return false;
    if (t.lane === 'slow' && this.slowInflight >= s.slowCapacity) return false;
    const cap = s.tierCaps.get(t.tier);
    if (cap !== undefined && (this.tierHeld.get(t.tier) ?? 0) >= cap) return false;
    if (this.gate !== null && !this.gate.available(t.lane)) {
      this.wanted = this.wanted === null || this.wanted === t.lane ? t.lane : 'both';
      return false;
    }
    return true;
  }

  private grant(t: Ticket, now = this.sched.now()): void {
    this.inflight++;
    if (t.lane === 'slow') this.slowInflight++;
    inc(this.held, t.key);
    inc(this.tierHeld, t.tier);
    this.gate?.taken(t.lane);
    t.settle('admitted', now);
  }

  /** Room in the queue for t: true, or t was shed (false), or a lower or greedier waiter was shed for it. */
  private makeRoom(t: Ticket): boolean {
    const s = this.settings;
    if (this.queued < s.queueMax) return true;
    const victim = this.queued === 0 ? null : this.shedCandidate();
    if (victim === null || victim.rank < t.rank) {
      t.settle('shed', this.sched.now());
      return false;
    }
    if (victim.rank === t.rank) {
      const mine = (this.waiting[t.rank]?.get(t.key)?.length ?? 0) + 1;
      const theirs = this.waiting[victim.rank]!.get(victim.key)!.length;
      if (mine >= theirs) {
        t.settle('shed', this.sched.now());
        return false;
      }
    }
    this.remove(victim);
    victim.settle('shed', this.sched.now());
    return true;
  }

  /** The newest ticket of the client with the most waiting in the lowest tier waiting. */
  private shedCandidate(): Ticket | null {
    for (let r = this.waiting.length - 1; r >= 0; r--) {
      const m = this.waiting[r];
      if (m === undefined || m.size === 0) continue;
      let most: Ticket[] | null = null;
      for (const list of m.values()) if (most === null || list.length > most.length) most = list;
      return most![most!.length - 1]!;
    }
    return null;
  }

  private enqueue(t: Ticket): void {
    const m = (this.waiting[t.rank] ??= new Map());
    const list = m.get(t.key);
    if (list === undefined) m.set(t.key, [t]);
    else list.push(t);
    this.queued++;
    inc(this.queuedByTier, t.tier);
    t.timer = this.sched.setTimeout(() => {
      if (t.state !== 'waiting') return;
      this.remove(t);
      t.settle('timeout', this.sched.now());
      this.onChange();
    }, this.settings.maxWaitMs);
  }

  private remove(t: Ticket): void {
    const m = this.waiting[t.rank];
    const list = m?.get(t.key);
    const i = list?.indexOf(t) ?? -1;
    if (i === -1) return;
    list!.splice(i, 1);
    if (list!.length === 0) m!.delete(t.key);
    this.queued--;
    dec(this.queuedByTier, t.tier);
    if (t.timer !== null) this.sched.clearTimeout(t.timer);
    t.timer = null;
  }

  /** Hands free slots to waiters: highest tier first, within it in turn among clients under their share. */
  private dispatch(): void {
    this.wanted = null;
    while (this.queued > 0 && this.inflight < this.settings.capacity) {
      const t = this.pick();
      if (t === null) break;
      const m = this.waiting[t.rank]!;
      this.remove(t);
      // Served: the client goes to the back of its tier's turn.
      const rest = m.get(t.key);
      if (rest !== undefined) {
        m.delete(t.key);
        m.set(t.key, rest);
      }
      this.grant(t);
    }
    // A waiter only the shared cap held back: ask the store for a slot of its lane (wake() when it comes).
    const wanted = this.wanted;
    this.wanted = null;
    if (this.gate !== null && wanted !== null) {
      if (wanted !== 'slow') this.gate.want('normal');
      if (wanted !== 'normal') this.gate.want('slow');
    }
  }

  private pick(): Ticket | null {
    const share = Math.max(1, Math.ceil(this.settings.capacity / this.activeClients()));
    for (const m of this.waiting) {
      if (m === undefined || m.size === 0) continue;
      // First those under their share, then (no one else in this tier can use the slot) anyone.
      for (const fair of [true, false]) {
        for (const [key, list] of m) {
          if (fair && (this.held.get(key) ?? 0) >= share) continue;
          for (const t of list) if (this.runnable(t)) return t;
        }
      }
    }
    return null;
  }

  /** Clients holding a slot or waiting for one. */
  private activeClients(): number {
    let n = this.held.size;
    for (const m of this.waiting) {
      if (m === undefined) continue;
      for (const key of m.keys()) if (!this.held.has(key)) n++;
    }
    return Math.max(1, n);
  }
}

function inc(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function dec(m: Map<string, number>, k: string): void {
  const n = m.get(k);
  if (n === undefined) return;
  if (n <= 1) m.delete(k);
  else m.set(k, n - 1);
}

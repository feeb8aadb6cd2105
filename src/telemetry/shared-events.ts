// Recent security events shared through the Store (Redis): every instance appends its events in batches to one
// bounded list, so the events API of any instance answers for all. Off the request path; a failing store costs
// the shared view, never a request (the instance's own ring still answers).
import type { Logger } from './logger.js';
import type { SecurityEvent } from './events.js';
import type { Reply, ScriptOps, StoreScript, Store } from '../store/store.js';

export const SHARED_EVENTS_KEY = 'events:recent';

/** A JSON list in one string for the memory twin (tests and the contract suite; Redis keeps a real list). */
const readList = (ops: ScriptOps, key: string): string[] => JSON.parse(ops.get(key) ?? '[]') as string[];

/** KEYS[1] the list; ARGV: max, event lines... Prepends them (newest first) and keeps the newest `max`. */
export const EVENTS_APPEND: StoreScript<number> = Object.freeze({
  name: 'events.append',
  lua: `
for i = 3, #ARGV do redis.call('LPUSH', KEYS[1], ARGV[i]) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return redis.call('LLEN', KEYS[1])
`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    const list = readList(ops, keys[0]!);
    for (let i = 1; i < args.length; i++) list.unshift(String(args[i]));
    const kept = list.slice(0, Number(args[0]));
    ops.set(keys[0]!, JSON.stringify(kept));
    return kept.length;
  },
  decode: (r: Reply) => Number(r),
});

/** KEYS[1] the list; ARGV: count. The newest `count` event lines, newest first. */
export const EVENTS_READ: StoreScript<string[]> = Object.freeze({
  name: 'events.read',
  lua: `return redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    return readList(ops, keys[0]!).slice(0, Number(args[0]));
  },
  decode: (r: Reply) => (Array.isArray(r) ? r.map(String) : []),
});

/** Events waiting for the next batch are dropped beyond this (a store too slow for the event rate). */
const MAX_PENDING = 10_000;
const FLUSH_MS = 250;
const BATCH = 200;

export class SharedEvents {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;
  dropped = 0;

  constructor(
    private readonly store: Store,
    readonly capacity: number,
    private readonly log: Logger,
    /** False while the shared store is down: a fail-open store then answers from its local stand-in, empty. */
    private readonly up: () => boolean = () => true,
  ) {}

  push(e: SecurityEvent): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(JSON.stringify(e));
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Sends what is pending, in batches; resolves when done (or failed: logged, those events lost). */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing) return;
    if (!this.up()) {
      // written to a fail-open store's local stand-in they would be lost anyway; the instance's ring has them
      this.dropped += this.pending.length;
      this.pending = [];
      return;
    }
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH);
        await this.store.run(EVENTS_APPEND, [SHARED_EVENTS_KEY], [this.capacity, ...batch]);
      }
    } catch (err) {
      this.log.warn({ err }, 'shared security events: a batch was not written (the store may be down)');
    } finally {
      this.flushing = false;
    }
  }

  /** The newest `count` events of every instance, newest first. Rejects when the store does. */
  async read(count: number): Promise<SecurityEvent[]> {
    if (!this.up()) throw new Error('the shared store is down');
    const lines = await this.store.run(EVENTS_READ, [SHARED_EVENTS_KEY], [Math.min(count, this.capacity)]);
    // the call itself may have found the store down and been answered by the stand-in
    if (!this.up()) throw new Error('the shared store is down');
    const out: SecurityEvent[] = [];
    for (const l of lines) {
      try {
        out.push(JSON.parse(l) as SecurityEvent);
      } catch {
        // another writer's damaged line: skipped
      }
    }
    return out;
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

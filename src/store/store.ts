// The one storage interface every stateful module uses; stores know nothing of policy.
import type { Clock } from '../core/clock.js';

/** A value a script may return: what Redis can carry back from Lua (integers, strings, nil, arrays). */
export type Reply = number | string | null | Reply[];

/** The operations a script body may use in the memory store (mirrors GET/SET PX/DEL/PTTL in Lua). */
export interface ScriptOps {
  get(key: string): string | null;
  /** ttlMs undefined or <= 0: no expiry. */
  set(key: string, value: string, ttlMs?: number): void;
  del(key: string): void;
  /** Milliseconds left, -1 without expiry, -2 when missing (Redis PTTL semantics). */
  pttl(key: string): number;
}

/**
 * An atomic multi-key operation, written twice with one meaning: Lua for Redis, TypeScript for memory.
 * Both receive the keys (already prefixed by the store) and `[now, ...args]`; `now` comes from the store's
 * injectable clock, never from the server, so every instance and every test agrees on time.
 * Lua numbers come back from Redis truncated to integers: return integers or strings only.
 */
export interface StoreScript<R> {
  readonly name: string;
  /** Redis Lua: KEYS[i] are the keys, ARGV[1] is now (ms), ARGV[2..] are args. */
  readonly lua: string;
  /** The same semantics on the memory store, run synchronously (hence atomically). */
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply;
  /** Turn the raw reply (from either side) into the result. */
  decode(reply: Reply): R;
  /**
   * The body only GETs its KEYS (no set, del or pttl): a networked store may then fetch the keys in one plain
   * multi-get and run `local` on the client. Why: a Lua call costs Redis about ten times a GET of the same keys,
   * and Redis shares the CPU with everything else on the hot path. A write from such a script is a fault.
   */
  readonly reads?: true;
}

export interface StoreEntry {
  readonly key: string;
  readonly value: string;
}

export interface Store {
  /** 'memory' | 'redis' | 'redis-cluster' ... for metrics and /readyz. */
  readonly kind: string;
  readonly clock: Clock;
  /**
   * Run a script atomically over keys (on a Cluster, all keys must share one hash tag). A store that can
   * answer at once (memory) returns the result itself and throws its failures; a networked store returns a
   * promise that rejects. Why both: the rate-limit hot path on the memory store must not pay for a promise
   * and a tick per request. Callers that can wait simply `await` either; hot-path callers test with
   * `isPromise` and stay synchronous when they can.
   */
  run<R>(script: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): R | Promise<R>;
  get(key: string): Promise<string | null>;
  /** ttlMs undefined or <= 0: no expiry. Fires the change signal. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Returns whether the key existed. Fires the change signal. */
  delete(key: string): Promise<boolean>;
  /** Every live entry whose key starts with prefix (order unspecified). */
  list(prefix: string): Promise<StoreEntry[]>;
  /**
   * Change signal: the listener hears the key of every set/delete made through any instance sharing
   * this store (script writes are not signalled). Returns an unsubscribe function.
   */
  onChange(listener: (key: string) => void): () => void;
  close(): Promise<void>;
}

/** Whether a store answer (see Store.run) must be waited for; a plain value never is a thenable here. */
export function isPromise<R>(v: R | Promise<R>): v is Promise<R> {
  return v instanceof Promise;
}

// Rate-limit algorithms as pure functions of (stored state, now, parameters): GCRA and the sliding-window counter.
// The Lua in script.ts is the same arithmetic, line for line; docs/rate-limits.md states the semantics.

/** GCRA (rate + burst): `intervalMs` = period / rate between units, `burst` units may arrive at once. */
export interface GcraParams {
  readonly kind: 'gcra';
  readonly intervalMs: number;
  readonly burst: number;
}

/** Sliding-window counter (quotas): at most `limit` units per `windowMs`, windows aligned to the epoch. */
export interface WindowParams {
  readonly kind: 'window';
  readonly windowMs: number;
  readonly limit: number;
}

export type AlgoParams = GcraParams | WindowParams;

/**
 * One limit's stored state as read at `now`, and its room: how many requests of `cost` it admits at once
 * (capped, so the exact check below loops at most a step or two). room >= 1 exactly when one request passes.
 */
export interface LimitRead {
  readonly room: number;
  /** GCRA: the theoretical arrival time max(stored TAT, now). Window: the current window's index. */
  readonly t: number;
  /** Window: current and previous window counts (0 for GCRA). */
  readonly curr: number;
  readonly prev: number;
}

/** What a limit reports after a decision: the numbers the script returns and the state to store. */
export interface LimitCharge {
  /** GCRA: backlog in ms (TAT - now, rounded up) after the charge, or before it when nothing was charged. Window: current count. */
  readonly a: number;
  /** Window: previous window's count. GCRA: 0. */
  readonly b: number;
  /** The state to store; null when nothing was charged. */
  readonly next: string | null;
  readonly ttlMs: number;
}

/** The largest k <= cap with fits(k), starting from an estimate that float rounding may put one off. */
function roomFrom(estimate: number, cap: number, fits: (k: number) => boolean): number {
  let room = Math.min(cap, Math.max(0, Math.floor(estimate)));
  while (room > 0 && !fits(room)) room--;
  if (room === 0 && cap >= 1 && fits(1)) room = 1;
  return room;
}

/**
 * GCRA with tolerance (burst - 1) * interval: a fresh client gets `burst` units at once, then one per interval,
 * so over T ms of sending as fast as it can it gets burst + floor(T / interval) through.
 * State: the theoretical arrival time (TAT), ms with 3 decimals.
 */
export function gcraRead(raw: string | null, now: number, p: GcraParams, cost: number, cap: number): LimitRead {
  const stored = raw === null ? now : Number(raw);
  const tat = stored > now ? stored : now;
  const limit = p.burst * p.intervalMs;
  const step = p.intervalMs * cost;
  const room = roomFrom((limit - (tat - now)) / step, cap, (k) => tat + step * k - now <= limit);
  return { room, t: tat, curr: 0, prev: 0 };
}

export function gcraCharge(r: LimitRead, now: number, p: GcraParams, cost: number, units: number): LimitCharge {
  if (units === 0) return { a: Math.ceil(r.t - now), b: 0, next: null, ttlMs: 0 };
  const newTat = r.t + p.intervalMs * cost * units;
  const backlog = Math.ceil(newTat - now);
  return { a: backlog, b: 0, next: newTat.toFixed(3), ttlMs: Math.max(1, backlog) };
}

/**
 * Sliding-window counter: the estimate is prev * (window - elapsed) / window + curr, where curr counts the
 * current aligned window and prev the one before; a request of `cost` units passes when estimate + cost <= limit.
 * State: "index:curr:prev".
 */
export function windowRead(raw: string | null, now: number, p: WindowParams, cost: number, cap: number): LimitRead {
  const idx = Math.floor(now / p.windowMs);
  let curr = 0;
  let prev = 0;
  if (raw !== null) {
    // "index:curr:prev", parsed without split (this runs on every request).
    const a = raw.indexOf(':');
    const b = raw.indexOf(':', a + 1);
    const ri = Number(raw.slice(0, a));
    if (ri === idx) {
      curr = Number(raw.slice(a + 1, b));
      prev = Number(raw.slice(b + 1));
    } else if (ri === idx - 1) {
      prev = Number(raw.slice(a + 1, b));
    }
  }
  const elapsed = now - idx * p.windowMs;
  const estimate = (prev * (p.windowMs - elapsed)) / p.windowMs + curr;
  const room = roomFrom((p.limit - estimate) / cost, cap, (k) => estimate + cost * k <= p.limit);
  return { room, t: idx, curr, prev };
}

export function windowCharge(r: LimitRead, p: WindowParams, cost: number, units: number): LimitCharge {
  if (units === 0) return { a: r.curr, b: r.prev, next: null, ttlMs: 0 };
  const c = r.curr + cost * units;
  return { a: c, b: r.prev, next: `${r.t}:${c}:${r.prev}`, ttlMs: 2 * p.windowMs };
}

/** Remaining units and ms until `need` units would pass, from a step's returned numbers. */
export interface Standing {
  readonly remaining: number;
  /** ms until one more unit than `remaining` would be admitted (the RateLimit `t`). */
  readonly resetMs: number;
  /** ms until a request of `cost` would pass (Retry-After when refused). */
  readonly retryMs: number;
}

/** Rounds a computed wait up to whole ms, ignoring float noise (20000.000000000004 is 20000). */
const ceilMs = (x: number): number => Math.ceil(x - 1e-6);

export function gcraStanding(p: GcraParams, backlog: number, cost: number): Standing {
  // The script returns the backlog rounded up to whole ms: take that ms back before dividing.
  const remaining = Math.min(p.burst, Math.max(0, Math.floor(p.burst - (backlog - 1) / p.intervalMs)));
  const wait = (need: number) => Math.max(0, ceilMs(backlog + need * p.intervalMs - p.burst * p.intervalMs));
  return { remaining, resetMs: wait(remaining + 1), retryMs: wait(cost) };
}

export function windowStanding(p: WindowParams, now: number, curr: number, prev: number, cost: number): Standing {
  const W = p.windowMs;
  const idx = Math.floor(now / W);
  const elapsed = now - idx * W;
  const estimate = (prev * (W - elapsed)) / W + curr;
  const remaining = Math.max(0, Math.floor(p.limit - estimate));
  const wait = (need: number): number => {
    if (need > p.limit) return Number.POSITIVE_INFINITY;
    if (curr + need <= p.limit) {
      // Reachable in this window as the previous window's weight decays.
      if (prev === 0) return 0;
      const at = W * (1 - (p.limit - need - curr) / prev);
      return Math.max(0, ceilMs(at - elapsed));
    }
    // Only in the next window, where this window's count becomes the decaying one.
    const at = W * (1 - (p.limit - need) / curr);
    return W - elapsed + Math.max(0, ceilMs(at));
  };
  return { remaining, resetMs: wait(remaining + 1), retryMs: wait(cost) };
}

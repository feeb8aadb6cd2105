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

/** What one limit decided; numbers are what the script returns (integers). */
export interface StepResult {
  readonly allow: boolean;
  /** GCRA: backlog in ms (TAT - now) after the request if allowed, before it if refused. Window: current count. */
  readonly a: number;
  /** Window: previous window's count. GCRA: 0. */
  readonly b: number;
  /** The state to store when every limit of the request allows; null when nothing changes. */
  readonly next: string | null;
  readonly ttlMs: number;
}

/**
 * GCRA with tolerance (burst - 1) * interval: a fresh client gets `burst` units at once, then one per interval,
 * so over T ms of sending as fast as it can it gets burst + floor(T / interval) through.
 * State: the theoretical arrival time (TAT), ms with 3 decimals.
 */
export function gcraStep(raw: string | null, now: number, p: GcraParams, cost: number): StepResult {
  const stored = raw === null ? now : Number(raw);
  const tat = stored > now ? stored : now;
  const newTat = tat + p.intervalMs * cost;
  if (newTat - now <= p.burst * p.intervalMs) {
    const backlog = newTat - now;
    return {
      allow: true,
      a: Math.ceil(backlog),
      b: 0,
      next: newTat.toFixed(3),
      ttlMs: Math.max(1, Math.ceil(backlog)),
    };
  }
  return { allow: false, a: Math.ceil(tat - now), b: 0, next: null, ttlMs: 0 };
}

/**
 * Sliding-window counter: the estimate is prev * (window - elapsed) / window + curr, where curr counts the
 * current aligned window and prev the one before; a request of `cost` units passes when estimate + cost <= limit.
 * State: "index:curr:prev".
 */
export function windowStep(raw: string | null, now: number, p: WindowParams, cost: number): StepResult {
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
  if (estimate + cost <= p.limit) {
    const c = curr + cost;
    return { allow: true, a: c, b: prev, next: `${idx}:${c}:${prev}`, ttlMs: 2 * p.windowMs };
  }
  return { allow: false, a: curr, b: prev, next: null, ttlMs: 0 };
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

// Retry timing: exponential backoff with full jitter, and the delay a Retry-After header asks for.

/**
 * The wait after the `failures`-th failed attempt: uniform in [0, min(cap, base * 2^(failures-1))). Full
 * jitter spreads the retries of many senders that failed together instead of bunching them at each step.
 */
export function backoffDelayMs(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (!/GMT$/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

// RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers-09+, structured fields) and Retry-After.
import type { Standing } from './algorithms.js';
import type { PolicyDef } from './plan.js';

export interface PolicyStanding {
  readonly def: PolicyDef;
  readonly standing: Standing;
  readonly allow: boolean;
}

const seconds = (ms: number): number => (Number.isFinite(ms) ? Math.ceil(ms / 1000) : 86_400 * 365);

/**
 * The RateLimit item of the policy closest to exhaustion: the refusing one with the longest wait when
 * refused, else the fewest remaining units (ties: the longest time to more quota).
 */
export function closest(all: readonly PolicyStanding[]): PolicyStanding | null {
  let best: PolicyStanding | null = null;
  for (const s of all) {
    if (best === null) {
      best = s;
      continue;
    }
    if (s.allow !== best.allow) {
      if (!s.allow) best = s;
      continue;
    }
    if (!s.allow) {
      if (s.standing.retryMs > best.standing.retryMs) best = s;
    } else if (
      s.standing.remaining < best.standing.remaining ||
      (s.standing.remaining === best.standing.remaining && s.standing.resetMs > best.standing.resetMs)
    ) {
      best = s;
    }
  }
  return best;
}

export function rateLimitItem(s: PolicyStanding): string {
  const r = s.allow ? s.standing.remaining : 0;
  return `"${s.def.name}";r=${r};t=${seconds(s.standing.resetMs)}`;
}

/** Headers for a response: the policies that applied and the one closest to exhaustion. */
export function rateLimitHeaders(policyHeader: string, all: readonly PolicyStanding[]): Record<string, string> {
  const c = closest(all);
  if (c === null) return {};
  return { 'ratelimit-policy': policyHeader, ratelimit: rateLimitItem(c) };
}

/** Retry-After in whole seconds (at least 1) for a refusal: the longest wait among the refusing policies. */
export function retryAfter(all: readonly PolicyStanding[]): number {
  return Math.max(1, seconds(longestWaitMs(all)));
}

/** The longest wait in ms among the refusing policies (0 when none refuses). */
export function longestWaitMs(all: readonly PolicyStanding[]): number {
  let ms = 0;
  for (const s of all) if (!s.allow && s.standing.retryMs > ms) ms = s.standing.retryMs;
  return ms;
}

// What one attempt's answer means for the message: delivered, worth another attempt, or never going to work.
import { parseRetryAfter } from './backoff.js';
import type { PostResult } from './pinned-client.js';

export type AttemptVerdict =
  | { readonly kind: 'delivered' }
  /** afterMs: the wait the receiver asked for (Retry-After), null to use the backoff. */
  | { readonly kind: 'retry'; readonly detail: string; readonly afterMs: number | null }
  | { readonly kind: 'permanent'; readonly detail: string };

/**
 * 2xx delivered. 3xx permanent: redirects are not followed (a redirect could point anywhere, past the SSRF
 * guard, and the spec asks senders to have the URL fixed instead). 408 and 429 retried, other 4xx permanent
 * (the same request gets the same answer). 5xx and network failures retried; Retry-After honoured on any.
 */
export function classify(r: PostResult, nowMs: number): AttemptVerdict {
  if (r.kind === 'error') return { kind: 'retry', detail: r.detail, afterMs: null };
  const s = r.status;
  if (s >= 200 && s < 300) return { kind: 'delivered' };
  const detail = `status ${s}`;
  if (s >= 300 && s < 400) return { kind: 'permanent', detail: `${detail} (redirect not followed)` };
  if (s === 408 || s === 429 || (s >= 500 && s < 600)) {
    return { kind: 'retry', detail, afterMs: parseRetryAfter(r.retryAfter, nowMs) };
  }
  return { kind: 'permanent', detail };
}

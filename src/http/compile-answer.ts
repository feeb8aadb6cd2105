// The compile outcome of one forwarded request, set on its context where Flight sees the answer or the failure,
// so the log phase (metrics, the event, every check's onComplete) finds it. A no-op on routes without `compile`.
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { RequestContext } from '../core/context.js';
import { BodyTooLargeError, ClientGoneError } from '../core/errors.js';
import { classifyUpstreamError } from '../proxy/upstream-error.js';
import { failureOutcome, readOutcome, stripCompileHeaders } from '../proxy/compile-outcome.js';

/** Milliseconds since the request went upstream. */
function elapsed(ctx: RequestContext): number {
  return performance.now() - ctx.upstreamSent;
}

/**
 * The answer arrived (its headers; or the whole of it, when buffered): reads the outcome once, and returns the
 * headers the client may see (without the outcome headers when the route strips them).
 */
export function compileAnswered(
  ctx: RequestContext,
  status: number,
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  const s = ctx.route?.compile;
  if (s == null) return headers;
  if (ctx.compile === null) ctx.compile = readOutcome(s, status, headers, elapsed(ctx));
  return s.strip ? stripCompileHeaders(s, headers) : headers;
}

/**
 * The upstream failed. `afterAnswer`: the answer had begun (its headers went to the client) and was cut: what
 * the client got is not the compile the headers announced, so the failure replaces that outcome.
 */
export function compileFailed(ctx: RequestContext, err: Error, afterAnswer: boolean): void {
  if (ctx.route?.compile == null || (ctx.compile !== null && !afterAnswer)) return;
  const kind =
    err instanceof BodyTooLargeError
      ? 'body_too_large'
      : err instanceof ClientGoneError
        ? 'client_gone'
        : classifyUpstreamError(err);
  ctx.compile = failureOutcome(kind, elapsed(ctx));
}

/** The client left (or its request was cut) before the answer: the compile is counted as aborted. */
export function compileAborted(ctx: RequestContext): void {
  if (ctx.route?.compile == null || ctx.compile !== null || ctx.upstreamSent === 0) return;
  ctx.compile = failureOutcome('client_gone', elapsed(ctx));
}

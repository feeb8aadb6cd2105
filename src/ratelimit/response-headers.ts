// Headers a check wants on the response when the request is allowed (the data plane appends them).
import type { RequestContext } from '../core/context.js';

/** ctx.scratch key holding a Record<string, string> of extra response headers. */
export const RESPONSE_HEADERS = 'response-headers';

export function addResponseHeaders(ctx: RequestContext, headers: Readonly<Record<string, string>>): void {
  const existing = ctx.scratch.get(RESPONSE_HEADERS) as Record<string, string> | undefined;
  ctx.scratch.set(RESPONSE_HEADERS, existing === undefined ? headers : { ...existing, ...headers });
}

export function responseHeadersOf(ctx: RequestContext): Readonly<Record<string, string>> | undefined {
  return ctx.scratch.get(RESPONSE_HEADERS) as Record<string, string> | undefined;
}

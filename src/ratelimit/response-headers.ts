// Headers a check wants on the response when the request is allowed (the data plane appends them).
import type { RequestContext } from '../core/context.js';

export function addResponseHeaders(ctx: RequestContext, headers: Readonly<Record<string, string>>): void {
  ctx.responseHeaders = ctx.responseHeaders === null ? { ...headers } : Object.assign(ctx.responseHeaders, headers);
}

export function responseHeadersOf(ctx: RequestContext): Readonly<Record<string, string>> | undefined {
  return ctx.responseHeaders ?? undefined;
}

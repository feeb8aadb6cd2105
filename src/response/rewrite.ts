// Applying a response check's rewrite (ResponseRewrite) to the answer the next check and the client see, and the
// request side of inspecting answers: asking the upstream for them uncompressed.
import type { Mode, ResponseRewrite } from '../core/check.js';
import type { IncomingHttpHeaders } from 'undici/types/header.js';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * The answer with the check's replacement headers and body. A body is replaced only by a check in enforce mode:
 * monitor mode never changes what the client gets beyond headers.
 */
export function applyRewrite(a: Answer, v: ResponseRewrite, mode: Mode): Answer {
  const body = v.body !== undefined && mode === 'enforce' ? v.body : a.body;
  if (v.headers === undefined && body === a.body) return a;
  return { status: a.status, headers: v.headers === undefined ? a.headers : { ...a.headers, ...v.headers }, body };
}

/**
 * Replaces the client's Accept-Encoding in a flat upstream header list with `identity`: response checks read the
 * answer's bytes, and a compressed answer is refused (svg:content_encoding), so it is not asked for.
 */
export function askIdentity(headers: string[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (headers[i]!.toLowerCase() === 'accept-encoding') headers.splice(i, 2);
  }
  headers.push('accept-encoding', 'identity');
}

// Applying a response check's rewrite (ResponseRewrite) to the answer the next check and the client see.
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

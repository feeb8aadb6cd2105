// Classifies undici failures into the few kinds clients and metrics distinguish (502 vs 504).
import { ResponseTooLargeError } from '../core/errors.js';

export type UpstreamErrorKind = 'refused' | 'timeout' | 'reset' | 'response_too_large' | 'other';

export function classifyUpstreamError(err: unknown): UpstreamErrorKind {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? '';
  const cause = e?.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return 'timeout';
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH')
    return 'refused';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || cause === 'ECONNRESET') return 'reset';
  if (err instanceof ResponseTooLargeError) return 'response_too_large';
  return 'other';
}

export function statusFor(kind: UpstreamErrorKind): number {
  return kind === 'timeout' ? 504 : 502;
}

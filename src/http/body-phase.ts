// Body phase, protocol part: content type and encoding allowed, read refusals, decoded into fields.
// Anything ambiguous is refused here, before any check sees it and before anything is forwarded.
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../core/context.js';
import type { CompiledRoute } from './router.js';
import type { BodyLimits } from '../body/limits.js';
import { parseContentType, charsetAcceptable } from '../body/content-type.js';
import { decodeBody } from '../body/decode.js';

export interface BodyRefusal {
  readonly status: number;
  readonly code: string;
}

const R = (status: number, code: string): BodyRefusal => Object.freeze({ status, code: `request:${code}` });
const TOO_LARGE = R(413, 'body_too_large');
const TIMEOUT = R(408, 'body_timeout');
const ABORTED = R(400, 'body_aborted');
const TYPE = R(415, 'content_type');
const CHARSET = R(415, 'charset');
const ENCODING = R(415, 'content_encoding');

/** Checks done on headers alone, before reading: cheap refusals first. */
export function precheckBody(req: IncomingMessage, route: CompiledRoute): BodyRefusal | null {
  const h = req.headers;
  const hasBody = h['content-length'] !== undefined || h['transfer-encoding'] !== undefined;
  if (!hasBody) return null;
  if (route.inspect && h['content-encoding'] !== undefined) return ENCODING;
  const mt = parseContentType(h['content-type']);
  if (route.contentTypes !== null) {
    if (mt === null || !route.contentTypes.has(mt.type)) return TYPE;
  }
  if (mt !== null && !charsetAcceptable(mt)) return CHARSET;
  const cl = h['content-length'];
  if (cl !== undefined && Number(cl) > route.config.max_body_bytes) return TOO_LARGE;
  return null;
}

/** The refusal for a bounded read that failed. */
export function readRefusal(code: 'body_too_large' | 'body_timeout' | 'body_aborted'): BodyRefusal {
  return code === 'body_too_large' ? TOO_LARGE : code === 'body_timeout' ? TIMEOUT : ABORTED;
}

/** Decodes a body read in full into ctx.body / ctx.decoded; null, or why it cannot be trusted. */
export function decodeInto(
  req: IncomingMessage,
  ctx: RequestContext,
  body: Buffer,
  limits: BodyLimits,
): BodyRefusal | null {
  ctx.body = body;
  const mt = parseContentType(req.headers['content-type']);
  const decoded = decodeBody(body, mt?.type ?? null, limits);
  if (!decoded.ok) return R(400, decoded.code);
  ctx.decoded = decoded.body;
  return null;
}

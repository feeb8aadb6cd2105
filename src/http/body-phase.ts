// Body phase, protocol part: content type and encoding allowed, read refusals, decoded into fields.
// Anything ambiguous is refused here, before any check sees it and before anything is forwarded.
import { bodyFollows, declaresBody } from './framing.js';
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../core/context.js';
import { protocolRefusal, type Refusal } from '../core/verdict.js';
import type { CompiledRoute } from './router.js';
import type { BodyLimits } from '../body/limits.js';
import { parseContentType, charsetAcceptable } from '../body/content-type.js';
import { decodeBody } from '../body/decode.js';
import type { ReadFailure } from '../body/read.js';
import { codeFieldNames } from '../body/code-fields.js';
import { mergeOuter, outerCodeFields, outerRepeated } from '../body/outer-fields.js';

/** Refusals of the body phase are protocol refusals of the request module (frozen, shared). */
export type BodyRefusal = Refusal;

const R = (status: number, code: string): BodyRefusal => protocolRefusal('request', status, `request:${code}`);
const TOO_LARGE = R(413, 'body_too_large');
const TIMEOUT = R(408, 'body_timeout');
const ABORTED = R(400, 'body_aborted');
const TOO_SLOW = R(408, 'body_too_slow');
// Not the client's fault alone: too many bodies are trickling in at once (a slow-body flood); try again later.
const SLOW_FULL = protocolRefusal('gateway', 503, 'gateway:slow_bodies');
const TYPE = R(415, 'content_type');
const CHARSET = R(415, 'charset');
const ENCODING = R(415, 'content_encoding');
const UNINSPECTED = R(400, 'code_field_uninspected');
const REPEATED = R(400, 'code_field_repeated');

/** Checks done on headers alone, before reading: cheap refusals first. */
export function precheckBody(req: IncomingMessage, route: CompiledRoute): BodyRefusal | null {
  const h = req.headers;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q !== -1 || h.cookie !== undefined) {
    const outer = outerCodeFields(q === -1 ? '' : url.slice(q + 1), h.cookie, codeFieldNames(route.codeFields));
    if (outer !== null) {
      // A code field in the query or a cookie is inspected with the body (decodeInto). Without an inspected
      // body nothing would look at it, while a backend merging sources ($_REQUEST) would compile it.
      // bodyFollows: whether the data plane reads (and so decodes) a body
      if (!route.inspect || !bodyFollows(h)) return UNINSPECTED;
      if (outerRepeated(outer) !== null) return REPEATED;
    }
  }
  if (!declaresBody(h)) return null;
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
export function readRefusal(code: ReadFailure): BodyRefusal {
  switch (code) {
    case 'body_too_large':
      return TOO_LARGE;
    case 'body_timeout':
      return TIMEOUT;
    case 'body_too_slow':
      return TOO_SLOW;
    case 'slow_bodies_full':
      return SLOW_FULL;
    default:
      return ABORTED;
  }
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
  const cookie = req.headers.cookie;
  if (ctx.query === '' && cookie === undefined) return null;
  // Query parameters and cookies named as code fields are code too (PHP's $_REQUEST merges them in).
  const names = codeFieldNames(limits.codeFields);
  const outer = outerCodeFields(ctx.query, cookie, names);
  if (outer === null) return null;
  const merged = mergeOuter(decoded.body.fields, outer, names, limits);
  if (!merged.ok) return R(400, merged.code);
  ctx.decoded = { type: decoded.body.type, fields: merged.fields, document: decoded.body.document };
  return null;
}

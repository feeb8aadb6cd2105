// Framing, Host and header ambiguities Node's parser lets through: refused before routing, never forwarded.
import type { IncomingMessage } from 'node:http';

// Headers whose duplicates change meaning. Node keeps the first Content-Type, Authorization and Host and
// joins the others, while the proxy forwards every raw line: an upstream reading the last Content-Type
// parses a body the gateway judged as another type. One bit each, for the one pass over rawHeaders.
const HOST = 1;
const CONTENT_TYPE = 2;
const CONTENT_LENGTH = 4;
const CONTENT_ENCODING = 8;
const TRANSFER_ENCODING = 16;
const EXPECT = 32;
const AUTHORIZATION = 64;

/**
 * Whether `n` is the header `lower`. Clients send the Title-Case or lower-case spelling: two comparisons;
 * others are lower-cased only when the first letter matches, so unrelated names of the same length
 * (X-Request-Id next to Content-Type) allocate nothing.
 */
function sameName(n: string, title: string, lower: string): boolean {
  return n === title || n === lower || ((n.charCodeAt(0) | 32) === lower.charCodeAt(0) && n.toLowerCase() === lower);
}

/** The bit for a header name, or 0. Dispatches on length, so most names cost one switch. */
function bitOf(n: string): number {
  switch (n.length) {
    case 4:
      return sameName(n, 'Host', 'host') ? HOST : 0;
    case 6:
      return sameName(n, 'Expect', 'expect') ? EXPECT : 0;
    case 12:
      return sameName(n, 'Content-Type', 'content-type') ? CONTENT_TYPE : 0;
    case 13:
      return sameName(n, 'Authorization', 'authorization') ? AUTHORIZATION : 0;
    case 14:
      return sameName(n, 'Content-Length', 'content-length') ? CONTENT_LENGTH : 0;
    case 16:
      return sameName(n, 'Content-Encoding', 'content-encoding') ? CONTENT_ENCODING : 0;
    case 17:
      return sameName(n, 'Transfer-Encoding', 'transfer-encoding') ? TRANSFER_ENCODING : 0;
    default:
      return 0;
  }
}

/**
 * Headers the proxy must not drop because the inspection relied on them: the proxy strips what Connection
 * names (RFC 9110 7.6.1), so `Connection: content-type` would hand the upstream a body without its type.
 */
const RELIED_ON = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'host']);

/** Whether a Connection value names a header in RELIED_ON (the usual `keep-alive` / `close` allocate nothing). */
function stripsReliedOn(value: string): boolean {
  if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return false;
  for (const token of value.split(',')) if (RELIED_ON.has(token.trim().toLowerCase())) return true;
  return false;
}

/** Returns a reason code, or null when the request line and framing headers are unambiguous. */
export function protocolProblem(req: IncomingMessage): string | null {
  const h = req.headers;
  const te = h['transfer-encoding'];
  // llhttp accepts e.g. "gzip" and fails later; only plain chunked framing is forwarded.
  if (te !== undefined && te.toLowerCase() !== 'chunked') return 'ambiguous_framing';
  const raw = req.rawHeaders;
  let seen = 0;
  let hosts = 0;
  let duplicate = false;
  let strips = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 10 && sameName(n, 'Connection', 'connection')) {
      if (stripsReliedOn(raw[i + 1]!)) strips = true;
      continue;
    }
    const bit = bitOf(n);
    if (bit === 0) continue;
    if (bit === HOST) hosts++;
    else if ((seen & bit) !== 0) duplicate = true;
    seen |= bit;
  }
  if (hosts > 1) return 'duplicate_host';
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) return 'missing_host';
  if (duplicate) return 'duplicate_header';
  if (strips) return 'connection_strips_header';
  // A GET or HEAD body is ignored by some backends and read by others: to one it is the next request.
  const m = req.method;
  if (m === 'GET' || m === 'HEAD') {
    const cl = h['content-length'];
    if ((cl !== undefined && cl !== '0') || te !== undefined) return 'body_not_allowed';
  }
  return null;
}

// Header rewriting for forwarding: hop-by-hop headers stripped both ways, X-Forwarded-* set by us.

/** RFC 9110 7.6.1 hop-by-hop headers, plus ones the gateway sets itself or that must not cross. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'expect',
  'host',
  'http2-settings',
]);

const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip']);

export interface ForwardInfo {
  readonly clientIp: string;
  readonly peerIp: string;
  readonly peerTrusted: boolean;
  readonly requestId: string;
  readonly requestIdHeader: string;
  readonly proto: string;
  /** Drop content-length: the body is re-sent from a buffer and undici sets its length. */
  readonly buffered: boolean;
}

/**
 * Names listed in a Connection header are hop-by-hop too (RFC 9110 7.6.1). Read from Node's parsed value;
 * the usual "keep-alive" / "close" name nothing extra, so the common case allocates nothing.
 */
function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const lower = text.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return null;
  let set: Set<string> | null = null;
  for (const t of lower.split(',')) {
    const name = t.trim();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') (set ??= new Set()).add(name);
  }
  return set;
}

/**
 * Builds the upstream request headers as a flat [name, value, ...] list. Incoming X-Forwarded-* are kept
 * (and extended) only from trusted proxies; from anyone else they are replaced, so clients cannot forge hops.
 */
export function upstreamHeaders(
  raw: readonly string[],
  connection: string | string[] | undefined,
  f: ForwardInfo,
): string[] {
  const extraHop = connectionTokens(connection);
  const out: string[] = [];
  let xff = '';
  let host = '';
  let proto = '';
  let fHost = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower)) {
      if (lower === 'host') host = raw[i + 1]!;
      continue;
    }
    if (extraHop !== null && extraHop.has(lower)) continue;
    if (lower === f.requestIdHeader) continue;
    if (f.buffered && lower === 'content-length') continue;
    if (FORWARDED.has(lower)) {
      if (f.peerTrusted) {
        if (lower === 'x-forwarded-for') xff = xff === '' ? raw[i + 1]! : `${xff}, ${raw[i + 1]!}`;
        else if (lower === 'x-forwarded-proto') proto = raw[i + 1]!;
        else if (lower === 'x-forwarded-host') fHost = raw[i + 1]!;
        else out.push(name, raw[i + 1]!);
      }
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  out.push('x-forwarded-for', xff === '' ? f.peerIp : `${xff}, ${f.peerIp}`);
  out.push('x-forwarded-proto', proto !== '' ? proto : f.proto);
  if (fHost !== '' || host !== '') out.push('x-forwarded-host', fHost !== '' ? fHost : host);
  out.push(f.requestIdHeader, f.requestId);
  return out;
}

/**
 * Response headers for the client as a flat list (Node writes a list without building a dictionary):
 * hop-by-hop removed; security headers added when the upstream set none; the request id; extras from checks.
 */
export function clientHeaders(
  h: Readonly<Record<string, string | string[] | undefined>>,
  security: readonly (readonly [string, string])[],
  requestIdHeader: string,
  requestId: string,
  extra: Readonly<Record<string, string>> | null,
): string[] {
  const out: string[] = [];
  const extraHop = connectionTokens(h['connection']);
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP.has(k) || (extraHop !== null && extraHop.has(k))) continue;
    if (typeof v === 'string') out.push(k, v);
    else for (const one of v) out.push(k, one);
  }
  for (const [k, v] of security) if (h[k] === undefined) out.push(k, v);
  out.push(requestIdHeader, requestId);
  if (extra !== null) for (const k in extra) out.push(k, extra[k]!);
  return out;
}

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

/** Names listed in a Connection header are hop-by-hop too (RFC 9110 7.6.1). */
function connectionTokens(raw: readonly string[]): Set<string> | null {
  let set: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const t of raw[i + 1]!.split(',')) {
        const name = t.trim().toLowerCase();
        if (name !== '') (set ??= new Set()).add(name);
      }
    }
  }
  return set;
}

/**
 * Builds the upstream request headers as a flat [name, value, ...] list. Incoming X-Forwarded-* are kept
 * (and extended) only from trusted proxies; from anyone else they are replaced, so clients cannot forge hops.
 */
export function upstreamHeaders(raw: readonly string[], f: ForwardInfo): string[] {
  const extraHop = connectionTokens(raw);
  const out: string[] = [];
  let xff = '';
  let host = '';
  let proto = '';
  let fHost = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'host') host = raw[i + 1]!;
    if (HOP.has(lower) || (extraHop !== null && extraHop.has(lower))) continue;
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

/** Response headers for the client: hop-by-hop removed; security headers added when upstream set none. */
export function clientHeaders(
  h: Readonly<Record<string, string | string[] | undefined>>,
  security: readonly (readonly [string, string])[],
  requestIdHeader: string,
  requestId: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const conn = h['connection'];
  const extraHop =
    typeof conn === 'string'
      ? conn
          .toLowerCase()
          .split(',')
          .map((s) => s.trim())
      : null;
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP.has(k) || (extraHop !== null && extraHop.includes(k))) continue;
    out[k] = v;
  }
  for (const [k, v] of security) if (out[k] === undefined) out[k] = v;
  out[requestIdHeader] = requestId;
  return out;
}

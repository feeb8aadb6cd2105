// Refusal responses: right status, a JSON body with the request id and (as configured) the reason codes.
import type { ServerResponse } from 'node:http';

export type Disclose = 'codes' | 'category' | 'none';

const ERROR_NAMES: Readonly<Record<number, string>> = Object.freeze({
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
});

export function errorName(status: number): string {
  return ERROR_NAMES[status] ?? (status >= 500 ? 'server_error' : 'client_error');
}

/** The reasons a client may see: codes as they are, only their module (category), or nothing. */
export function disclosed(reasons: readonly string[], mode: Disclose): string[] | undefined {
  if (mode === 'none') return undefined;
  if (mode === 'codes') return [...reasons];
  const cats: string[] = [];
  for (const r of reasons) {
    const c = r.slice(0, r.indexOf(':') === -1 ? r.length : r.indexOf(':'));
    if (!cats.includes(c)) cats.push(c);
  }
  return cats;
}

export function refusalJson(status: number, requestId: string, reasons: readonly string[], mode: Disclose): string {
  const shown = disclosed(reasons, mode);
  return JSON.stringify(
    shown === undefined
      ? { error: errorName(status), request_id: requestId }
      : { error: errorName(status), request_id: requestId, reasons: shown },
  );
}

const prefixes = new WeakMap<readonly (readonly [string, string])[], readonly string[]>();

/**
 * The headers every refusal of a configuration carries, as the flat list Node writes without building a
 * dictionary (security headers, JSON type, no caching): made once per list of security headers.
 */
function refusalPrefix(security: readonly (readonly [string, string])[]): readonly string[] {
  let p = prefixes.get(security);
  if (p === undefined) {
    const flat: string[] = [];
    for (const [k, v] of security) flat.push(k, v);
    flat.push('content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store');
    p = Object.freeze(flat);
    prefixes.set(security, p);
  }
  return p;
}

/**
 * Writes a refusal. `close` ends the connection afterwards: used whenever the request body was not
 * read (or not fully) and cannot be safely discarded, so unread bytes can never be taken as the next request.
 */
export function writeRefusal(
  res: ServerResponse,
  status: number,
  body: string,
  security: readonly (readonly [string, string])[],
  requestIdHeader: string,
  requestId: string,
  extra: Readonly<Record<string, string>> | undefined,
  close: boolean,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const out = refusalPrefix(security).slice();
  out.push(requestIdHeader, requestId, 'content-length', String(Buffer.byteLength(body)));
  if (extra !== undefined) for (const k in extra) out.push(k, extra[k]!);
  if (close) out.push('connection', 'close');
  res.writeHead(status, out);
  res.end(body);
  if (close) res.once('finish', () => res.socket?.destroySoon());
}

/** The same refusal as raw bytes, for sockets Node's parser gave up on (no ServerResponse exists). */
export function rawRefusal(status: number, body: string, headers: readonly (readonly [string, string])[]): string {
  let s = `HTTP/1.1 ${status} ${errorName(status).replace(/_/g, ' ')}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  s += `content-type: application/json; charset=utf-8\r\ncache-control: no-store\r\nconnection: close\r\n`;
  s += `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return s;
}

// The admin API handler contract: what a module serves under `METHOD /admin/api/...` (the admin listener checks
// the bearer token before it runs), and the small pieces every handler reads the same way. In core/ because
// checks register them and http/ serves them.
import type { IncomingMessage } from 'node:http';

export type AdminHandler = (
  req: IncomingMessage,
  body: unknown,
  url: URL,
) => Promise<{ status: number; body: unknown }>;

export const badRequest = (detail: string) => ({ status: 400, body: { error: 'bad_request', detail } });

/** The id a `/admin/api/x/*` route serves: the last path segment, percent-decoded; null when it cannot be. */
export function pathId(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
  } catch {
    return null; // `%zz`, a lone surrogate: a bad request, not a fault of the handler
  }
}

export const BAD_PATH_ID = badRequest('the last path segment is not valid percent-encoding');

/** The actor of a change: `actor` in the body, else the X-Actor header, else "admin"; bounded and printable. */
export function adminActor(req: IncomingMessage, body: Readonly<Record<string, unknown>>): string | { error: string } {
  const raw = body.actor ?? req.headers['x-actor'] ?? 'admin';
  if (typeof raw !== 'string' || !/^[\w.@:+-]{1,64}$/.test(raw)) {
    return { error: 'actor must be 1-64 characters of [A-Za-z0-9_.@:+-]' };
  }
  return raw;
}

/** A listing's `limit` (1..max, `dflt` when absent or not a number) and `offset` (0 or more). */
export function pageOf(q: URLSearchParams, dflt: number, max: number): { limit: number; offset: number } {
  return {
    limit: Math.min(Math.max(Number(q.get('limit') ?? dflt) || dflt, 1), max),
    offset: Math.max(Number(q.get('offset') ?? 0) || 0, 0),
  };
}

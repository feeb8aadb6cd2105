// Admin listener: /healthz, /readyz, /metrics open (bind it to loopback); /admin/api/* behind a bearer token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { TokenCheck } from './admin-auth.js';

export interface Readiness {
  readonly name: string;
  /** ok: ready; degraded: serving with reduced guarantees (still ready); down: not ready. */
  check(): Promise<{ state: 'ok' | 'degraded' | 'down'; detail?: string }>;
}

export type { AdminHandler } from '../core/admin-route.js';
import type { AdminHandler } from '../core/admin-route.js';

export interface AdminDeps {
  readonly registry: Registry;
  readonly readiness: () => readonly Readiness[];
  readonly tokens: () => TokenCheck | null;
  /** The route table of the configuration in service (read per request: it changes with every swap). */
  readonly routes: () => ReadonlyMap<string, AdminHandler>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export function adminHandler(d: AdminDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    try {
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const parts: Record<string, string> = {};
        let ready = true;
        let degraded = false;
        for (const r of d.readiness()) {
          const s = await r.check();
          parts[r.name] = s.detail === undefined ? s.state : `${s.state}: ${s.detail}`;
          if (s.state === 'down') ready = false;
          if (s.state === 'degraded') degraded = true;
        }
        const status = ready ? (degraded ? 'degraded' : 'ready') : 'not_ready';
        return json(res, ready ? 200 : 503, { status, checks: parts });
      }
      if (path === '/metrics') {
        const text = await d.registry.metrics();
        res.writeHead(200, { 'content-type': d.registry.contentType });
        res.end(text);
        return;
      }
      if (path.startsWith('/admin/api/')) {
        const check = d.tokens();
        if (check === null)
          return json(res, 404, { error: 'not_found', detail: 'admin API is off (no tokens configured)' });
        if (!check(req.headers.authorization)) {
          res.setHeader('www-authenticate', 'Bearer realm="portcullis-admin"');
          return json(res, 401, { error: 'unauthorized' });
        }
        const routes = d.routes();
        const method = req.method ?? 'GET';
        // `/admin/api/x/*` serves one more path segment (an id): `/admin/api/x/<id>`
        const handler =
          routes.get(`${method} ${path}`) ?? routes.get(`${method} ${path.slice(0, path.lastIndexOf('/'))}/*`);
        if (handler === undefined) return json(res, 404, { error: 'not_found' });
        let body: unknown;
        try {
          body = await readJson(req, 1_048_576);
        } catch {
          return json(res, 400, { error: 'bad_request', detail: 'body must be JSON (at most 1 MiB)' });
        }
        const out = await handler(req, body, url);
        return json(res, out.status, out.body);
      }
      return json(res, 404, { error: 'not_found' });
    } catch {
      if (!res.headersSent) json(res, 500, { error: 'internal_error' });
      else res.destroy();
    }
  };
}

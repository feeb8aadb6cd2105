// Admin API for blocks: GET (list with filters), POST (add), DELETE (lift) on /admin/api/decisions. The
// bearer token is checked before a handler runs; the actor is recorded with every change.
import type { IncomingMessage } from 'node:http';
import { adminActor, badRequest as bad, pageOf, type AdminHandler } from '../core/admin-route.js';
import { tokenIdOf } from '../core/token-check.js';
import {
  ORIGINS,
  SCOPES,
  normaliseSubject,
  present,
  type Decision,
  type Origin,
  type Scope,
} from '../reputation/decision.js';
import type { Decisions } from '../reputation/decisions.js';

const MAX_DURATION_S = 10 * 365 * 86_400;

type Body = Record<string, unknown>;

/** Which token made the call, without revealing it: the first 12 hex digits of its SHA-256. */
export function tokenId(req: IncomingMessage): string | undefined {
  return tokenIdOf(req.headers.authorization);
}

function scopeOf(v: unknown): Scope | null {
  const s = v ?? 'ip';
  return typeof s === 'string' && (SCOPES as readonly string[]).includes(s) ? (s as Scope) : null;
}

function asBody(body: unknown, url: URL): Body {
  const fromQuery = Object.fromEntries(url.searchParams.entries());
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? { ...fromQuery, ...(body as Body) }
    : fromQuery;
}

export function decisionsApi(decisions: Decisions, now: () => number): Record<string, AdminHandler> {
  const list: AdminHandler = async (_req, _body, url) => {
    const q = url.searchParams;
    const { limit } = pageOf(q, 1000, 10_000);
    const keep = (d: Decision) =>
      (q.get('scope') === null || d.scope === q.get('scope')) &&
      (q.get('origin') === null || d.origin === q.get('origin')) &&
      (q.get('actor') === null || d.actor === q.get('actor')) &&
      (q.get('value') === null || d.value.includes(q.get('value')!));
    const all = (await decisions.list()).filter(keep).sort((a, b) => b.created - a.created);
    const t = now();
    return { status: 200, body: { count: all.length, decisions: all.slice(0, limit).map((d) => present(d, t)) } };
  };

  const add: AdminHandler = async (req, raw, url) => {
    const body = asBody(raw, url);
    const scope = scopeOf(body.scope);
    if (scope === null) return bad(`scope must be one of ${SCOPES.join(', ')}`);
    if (typeof body.value !== 'string') return bad('value is required (an IP, a CIDR or a user)');
    const norm = normaliseSubject(scope, body.value);
    if ('error' in norm) return bad(norm.error);
    const actor = adminActor(req, body);
    if (typeof actor !== 'string') return bad(actor.error);
    const origin = body.origin ?? 'manual';
    if (typeof origin !== 'string' || !(ORIGINS as readonly string[]).includes(origin)) {
      return bad(`origin must be one of ${ORIGINS.join(', ')}`);
    }
    const reason = body.reason ?? 'manual block';
    if (typeof reason !== 'string' || reason.length > 256)
      return bad('reason must be a string of at most 256 characters');
    const t = now();
    let expires: number;
    if (body.expires !== undefined) {
      expires = typeof body.expires === 'string' ? Date.parse(body.expires) : NaN;
      if (!Number.isFinite(expires) || expires <= t) return bad('expires must be an ISO time in the future');
    } else {
      const d = Number(body.duration_s ?? 3600);
      if (!Number.isInteger(d) || d <= 0 || d > MAX_DURATION_S) return bad(`duration_s must be 1..${MAX_DURATION_S}`);
      expires = t + d * 1000;
    }
    const id = tokenId(req);
    const decision: Decision = Object.freeze({
      scope,
      value: norm.value,
      reason,
      origin: origin as Origin,
      actor,
      created: t,
      expires,
    });
    await decisions.add(decision, { action: 'add', actor, ...(id !== undefined ? { token_id: id } : {}) });
    return { status: 201, body: { decision: present(decision, t) } };
  };

  const lift: AdminHandler = async (req, raw, url) => {
    const body = asBody(raw, url);
    const scope = scopeOf(body.scope);
    if (scope === null) return bad(`scope must be one of ${SCOPES.join(', ')}`);
    if (typeof body.value !== 'string') return bad('value is required');
    const norm = normaliseSubject(scope, body.value);
    if ('error' in norm) return bad(norm.error);
    const actor = adminActor(req, body);
    if (typeof actor !== 'string') return bad(actor.error);
    const lifted = await decisions.lift({ scope, value: norm.value }, actor, tokenId(req));
    if (lifted === null)
      return { status: 404, body: { error: 'not_found', detail: 'no block in force for that subject' } };
    return { status: 200, body: { lifted: present(lifted, now()) } };
  };

  return {
    'GET /admin/api/decisions': list,
    'POST /admin/api/decisions': add,
    'DELETE /admin/api/decisions': lift,
  };
}

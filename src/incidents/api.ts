// Admin API for incidents: GET /admin/api/incidents (filters, pagination), POST /admin/api/incidents/<id>
// (resolve, reopen, annotate: with the actor, audited like blocks).
import { adminActor, BAD_PATH_ID, badRequest as bad, pageOf, pathId, type AdminHandler } from '../core/admin-route.js';
import type { Incidents } from './service.js';
import { incidentView, severityName } from './record.js';
import type { AuditWriter } from '../reputation/decisions.js';
import { tokenIdOf } from '../core/token-check.js';
import type { AlertSink } from '../alerts/sink.js';
import { Deliverer } from '../alerts/delivery.js';

const OPS = new Set(['resolve', 'reopen', 'annotate']);

export function incidentsApi(incidents: Incidents, audit: () => AuditWriter | null): Record<string, AdminHandler> {
  const list: AdminHandler = async (_req, _body, url) => {
    const q = url.searchParams;
    const { limit, offset } = pageOf(q, 100, 1000);
    const since = q.get('since') === null ? 0 : Date.parse(q.get('since')!);
    if (Number.isNaN(since)) return bad('since must be an ISO 8601 time');
    const all = (await incidents.list()).filter(
      (r) =>
        (q.get('state') === null || r.state === q.get('state')) &&
        (q.get('severity') === null || severityName(r.sev) === q.get('severity')) &&
        (q.get('kind') === null || r.kind === q.get('kind')) &&
        (q.get('subject') === null || r.subject.includes(q.get('subject')!)) &&
        r.last >= since,
    );
    return {
      status: 200,
      body: { total: all.length, offset, incidents: all.slice(offset, offset + limit).map(incidentView) },
    };
  };

  const amend: AdminHandler = async (req, body, url) => {
    const id = pathId(url);
    if (id === null || !/^[0-9a-f]{16}$/.test(id)) return bad('an incident id is 16 hex digits');
    const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const op = b.action;
    if (typeof op !== 'string' || !OPS.has(op)) return bad('action must be resolve, reopen or annotate');
    const note = b.note ?? '';
    if (typeof note !== 'string' || note.length > 500) return bad('note must be a string of at most 500 characters');
    const actor = adminActor(req, b);
    if (typeof actor !== 'string') return bad(actor.error);
    const out = await incidents.amend(id, op as 'resolve' | 'reopen' | 'annotate', actor, note);
    if (out === null) return { status: 404, body: { error: 'not_found', detail: 'no incident with that id' } };
    const tid = tokenIdOf(req.headers.authorization);
    audit()?.writeIncident?.({
      action: op,
      actor,
      ...(tid === undefined ? {} : { token_id: tid }),
      incident: out.incident.id,
      note,
    });
    return { status: 200, body: { transition: out.transition, incident: incidentView(out.incident) } };
  };

  return { 'GET /admin/api/incidents': list, 'POST /admin/api/incidents/*': amend };
}

/** GET /admin/api/alerts/dead-letters (every HTTP sink's), POST /admin/api/alerts/dead-letters/<id> (re-send it). */
export function deadLettersApi(sinks: readonly AlertSink[]): Record<string, AdminHandler> {
  const http = sinks.filter((s): s is Deliverer => s instanceof Deliverer);
  return {
    'GET /admin/api/alerts/dead-letters': async () => ({
      status: 200,
      body: { dead_letters: http.flatMap((s) => s.deadLetters()) },
    }),
    'POST /admin/api/alerts/dead-letters/*': async (_req, _body, url) => {
      const id = pathId(url);
      if (id === null) return BAD_PATH_ID;
      for (const s of http) if (s.resend(id)) return { status: 202, body: { resent: id, sink: s.name } };
      return { status: 404, body: { error: 'not_found', detail: 'no dead letter with that id' } };
    },
  };
}

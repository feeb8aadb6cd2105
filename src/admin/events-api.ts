// Admin API for recent security events: GET /admin/api/events with filters (time, client, route, module, rule,
// decision, a match's severity) and pagination, from this
// instance's ring (telemetry/recent-events.ts), newest first. Each event names its request id: `portcullis
// explain --id <request id>` (or GET /admin/api/requests/<id> with trust on) gives its decision breakdown.
import { badRequest as bad, pageOf, type AdminHandler } from '../core/admin-route.js';
import type { SecurityEvent } from '../telemetry/events.js';
import type { RecentEvents } from '../telemetry/recent-events.js';
import type { SharedEvents } from '../telemetry/shared-events.js';

/**
 * `shared`: the events of every instance through the Store (Redis), when configured; when it fails, this
 * instance's own ring answers, and the answer says so (`source: local`).
 */
export function eventsApi(recent: RecentEvents, shared: () => SharedEvents | null): Record<string, AdminHandler> {
  const list: AdminHandler = async (_req, _body, url) => {
    const q = url.searchParams;
    const { limit, offset } = pageOf(q, 100, 1000);
    const time = (name: string, dflt: number): number | null => {
      const v = q.get(name);
      if (v === null) return dflt;
      const t = Date.parse(v);
      return Number.isNaN(t) ? null : t;
    };
    const since = time('since', 0);
    const until = time('until', Number.POSITIVE_INFINITY);
    if (since === null || until === null) return bad('since and until must be ISO 8601 times');
    const want = (name: string) => q.get(name);
    const client = want('client');
    const route = want('route');
    const module = want('module');
    const rule = want('rule');
    const decision = want('decision');
    const severity = want('severity');
    const keep = (e: SecurityEvent): boolean => {
      if (client !== null && e.client_ip !== client) return false;
      if (route !== null && e.route !== route) return false;
      if (module !== null && e.module !== module) return false;
      if (decision !== null && e.decision !== decision) return false;
      if (severity !== null && !e.matches.some((m) => m.severity === severity)) return false;
      if (rule !== null && !e.matches.some((m) => m.rule === rule) && !e.reasons.some((r) => r.endsWith(`:${rule}`)))
        return false;
      const t = Date.parse(e.time);
      return t >= since && t <= until;
    };
    const s = shared();
    if (s !== null) {
      try {
        const all = (await s.read(s.capacity)).filter(keep);
        const events = all.slice(offset, offset + limit);
        return { status: 200, body: { total: all.length, offset, capacity: s.capacity, source: 'shared', events } };
      } catch {
        // the store is down: this instance's own events still answer
      }
    }
    const { total, events } = recent.query(keep, offset, limit);
    return { status: 200, body: { total, offset, capacity: recent.capacity, source: 'local', events } };
  };
  return { 'GET /admin/api/events': list };
}

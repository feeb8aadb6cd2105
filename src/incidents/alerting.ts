// From incident transitions to alerts: grouped per kind and de-duplicated per incident in a window (Alertmanager's
// group_wait, group_interval, repeat_interval), a critical incident sent at once, each message to every sink.
import type { AlertSink } from '../alerts/sink.js';
import { notificationOf, type AlertIncident, type AlertType } from '../alerts/notification.js';
import type { Timers } from '../alerts/timers.js';
import type { Closable } from '../core/resources.js';
import type { IncidentNotice, IncidentTarget } from './service.js';
import type { IncidentView } from './record.js';

export interface GroupingSettings {
  readonly waitMs: number;
  readonly intervalMs: number;
  readonly repeatMs: number;
}

interface Group {
  /** The latest notice of each incident since the last flush (a later transition replaces an earlier one). */
  readonly pending: Map<string, IncidentNotice>;
  lastFlush: number;
  timer: unknown;
}

interface Sent {
  readonly notice: IncidentNotice;
  at: number;
}

const REPEAT_CHECK_MS = 60_000;

function typeOf(t: IncidentNotice['transition']): AlertType {
  return t === 'resolved' ? 'incident.resolved' : t === 'escalated' ? 'incident.escalated' : 'incident.opened';
}

function alertIncident(v: IncidentView): AlertIncident {
  return {
    id: v.id,
    key: `${v.kind}:${v.subject}`,
    kind: v.kind,
    severity: v.severity ?? 'low',
    state: v.state === 'escalated' ? 'escalated' : v.state === 'resolved' ? 'resolved' : 'open',
    subject: v.subject,
    count: v.count,
    first_seen: v.first_seen,
    last_seen: v.last_seen,
    actions: v.actions,
  };
}

export class AlertRouter implements IncidentTarget, Closable {
  private readonly groups = new Map<string, Group>();
  /** What was last sent per live incident, for repeats; forgotten when it resolves. */
  private readonly sent = new Map<string, Sent>();
  private readonly repeatTimer: unknown;
  private closed = false;
  /** Undoes the subscription to the incidents service (set by whoever subscribed it). */
  detach: (() => void) | null = null;

  constructor(
    readonly sinks: readonly AlertSink[],
    private readonly g: GroupingSettings,
    private readonly timers: Timers,
  ) {
    this.repeatTimer = timers.setTimeout(() => this.repeat(), REPEAT_CHECK_MS);
  }

  notify(n: IncidentNotice): void {
    if (this.closed) return;
    // a critical incident opening or escalating skips the wait: the people on call hear of it now
    if (n.incident.severity === 'critical' && n.transition !== 'resolved') {
      this.groupOf(n.incident.kind).pending.delete(n.incident.id);
      this.send([n]);
      return;
    }
    const group = this.groupOf(n.incident.kind);
    group.pending.set(n.incident.id, n);
    if (group.timer !== null) return;
    const now = this.timers.now();
    // the first notice of a group waits group_wait for its fellows; later ones wait out group_interval
    const due = group.lastFlush === 0 ? this.g.waitMs : Math.max(0, group.lastFlush + this.g.intervalMs - now);
    group.timer = this.timers.setTimeout(() => this.flush(group), due);
  }

  private groupOf(kind: string): Group {
    let g = this.groups.get(kind);
    if (g === undefined) {
      g = { pending: new Map(), lastFlush: 0, timer: null };
      this.groups.set(kind, g);
    }
    return g;
  }

  private flush(group: Group): void {
    group.timer = null;
    group.lastFlush = this.timers.now();
    const notices = [...group.pending.values()];
    group.pending.clear();
    this.send(notices);
  }

  private send(notices: readonly IncidentNotice[]): void {
    const now = this.timers.now();
    for (const n of notices) {
      const last = this.sent.get(n.incident.id);
      // the same transition at the same severity once only (an incident reopened and resolved again is news)
      if (
        last !== undefined &&
        last.notice.transition === n.transition &&
        last.notice.incident.severity === n.incident.severity
      )
        continue;
      if (n.transition === 'resolved') this.sent.delete(n.incident.id);
      else this.sent.set(n.incident.id, { notice: n, at: now });
      this.deliver(n);
    }
  }

  private deliver(n: IncidentNotice): void {
    const msg = notificationOf(typeOf(n.transition), alertIncident(n.incident), this.timers.now());
    for (const s of this.sinks) s.enqueue(msg);
  }

  /** Incidents still live and unchanged for repeat_interval are told again (whoever is on call now). */
  private repeat(): void {
    if (this.closed) return;
    const now = this.timers.now();
    for (const s of this.sent.values())
      if (now - s.at >= this.g.repeatMs) {
        s.at = now;
        this.deliver(s.notice);
      }
    this.timers.setTimeout(() => this.repeat(), REPEAT_CHECK_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.detach?.();
    for (const g of this.groups.values()) if (g.timer !== null) this.timers.clearTimeout(g.timer);
    this.timers.clearTimeout(this.repeatTimer);
    // what is queued gets a short chance to go out (a reload that changed the sinks, a shutdown)
    await Promise.all(this.sinks.map((s) => s.close(2_000)));
  }
}

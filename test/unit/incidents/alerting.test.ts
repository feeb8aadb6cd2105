// The alert router on hand-moved timers: a critical incident at once, others after group_wait with only their
// latest state, later ones of a group after group_interval, each transition once, live incidents repeated
// after repeat_interval, nothing after close.
import { describe, expect, it } from 'vitest';
import { AlertRouter } from '../../../src/incidents/alerting.js';
import type { IncidentNotice } from '../../../src/incidents/service.js';
import type { IncidentKind } from '../../../src/incidents/config.js';
import type { Notification } from '../../../src/alerts/notification.js';
import type { AlertSink } from '../../../src/alerts/sink.js';
import { FakeTimers } from '../alerts/helpers.js';

const S = 1_000;
const MIN = 60 * S;

function notice(
  id: string,
  transition: IncidentNotice['transition'],
  severity: string,
  kind = 'signature',
): IncidentNotice {
  return {
    schema: 'portcullis.incident/1',
    transition,
    incident: {
      id,
      kind: kind as IncidentKind,
      subject: `ip:192.0.2.${id.length}`,
      state: transition === 'resolved' ? 'resolved' : transition === 'escalated' ? 'escalated' : 'open',
      severity: severity as 'low',
      count: 5,
      first_seen: '2026-12-04T00:00:00.000Z',
      opened_at: '2026-12-04T00:00:00.000Z',
      last_seen: '2026-12-04T00:00:00.000Z',
      resolved_at: null,
      repeat: 0,
      actions: [],
      notes: [],
      last_request_id: null,
    },
  };
}

function setup() {
  const timers = new FakeTimers();
  const got: Notification[] = [];
  const sink: AlertSink = { name: 'mem', enqueue: (n) => void got.push(n), close: async () => undefined };
  const router = new AlertRouter([sink], { waitMs: 30 * S, intervalMs: 5 * MIN, repeatMs: 4 * 60 * MIN }, timers);
  const seen = () => got.map((n) => `${n.type}:${n.incident.id}:${n.incident.severity}`);
  return { timers, router, seen };
}

describe('alert router', () => {
  it("sends a critical incident at once and waits group_wait for the rest, keeping each incident's latest state", () => {
    const { timers, router, seen } = setup();
    router.notify(notice('a', 'opened', 'critical', 'attack'));
    expect(seen()).toEqual(['incident.opened:a:critical']);
    router.notify(notice('b', 'opened', 'medium'));
    timers.advance(10 * S);
    router.notify(notice('b', 'escalated', 'high'));
    router.notify(notice('c', 'opened', 'medium'));
    expect(seen()).toHaveLength(1);
    timers.advance(20 * S);
    expect(seen()).toEqual(['incident.opened:a:critical', 'incident.escalated:b:high', 'incident.opened:c:medium']);
  });

  it('sends later notices of a group after group_interval, and each transition once', () => {
    const { timers, router, seen } = setup();
    router.notify(notice('b', 'opened', 'medium'));
    timers.advance(30 * S);
    expect(seen()).toEqual(['incident.opened:b:medium']);
    router.notify(notice('b', 'opened', 'medium')); // the same again: nothing new
    router.notify(notice('d', 'opened', 'medium'));
    timers.advance(4 * MIN + 59 * S); // the group was flushed at 30 s: its next flush is 5 min later
    expect(seen()).toHaveLength(1);
    timers.advance(1 * S);
    expect(seen()).toEqual(['incident.opened:b:medium', 'incident.opened:d:medium']);
    router.notify(notice('b', 'resolved', 'medium'));
    timers.advance(5 * MIN);
    expect(seen().at(-1)).toBe('incident.resolved:b:medium');
  });

  it('repeats a live incident after repeat_interval, not a resolved one, and stops when closed', async () => {
    const { timers, router, seen } = setup();
    router.notify(notice('a', 'opened', 'critical', 'attack'));
    router.notify(notice('e', 'opened', 'critical', 'attack'));
    router.notify(notice('e', 'resolved', 'critical', 'attack'));
    timers.advance(30 * S);
    const before = seen().length;
    timers.advance(4 * 60 * MIN);
    expect(seen().slice(before)).toEqual(['incident.opened:a:critical']);
    await router.close();
    router.notify(notice('f', 'opened', 'critical', 'attack'));
    timers.advance(8 * 60 * MIN);
    expect(seen().slice(before)).toEqual(['incident.opened:a:critical']);
  });
});

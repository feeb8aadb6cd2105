// The log sink and the notification payload: one plain JSON object per notification, schema-versioned.
import { describe, expect, it } from 'vitest';
import { createLogSink } from '../../../src/alerts/log-sink.js';
import { ALERT_SCHEMA, notificationOf } from '../../../src/alerts/notification.js';
import { sampleNotification } from './helpers.js';

describe('notificationOf', () => {
  it('is a frozen, JSON-serialisable copy stamped with the schema and the time of the transition', () => {
    const actions = ['block_ip 3600s'];
    const incident = { ...sampleNotification().incident, actions };
    const n = notificationOf('incident.resolved', incident, Date.UTC(2026, 0, 2, 3, 4, 5));
    actions.push('later');
    expect(n.schema).toBe(ALERT_SCHEMA);
    expect(n.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(n.incident.actions).toEqual(['block_ip 3600s']);
    expect(Object.isFrozen(n) && Object.isFrozen(n.incident)).toBe(true);
    expect(JSON.parse(JSON.stringify(n))).toEqual(n);
    expect(Object.keys(n).sort()).toEqual(['incident', 'schema', 'timestamp', 'type']);
  });
});

describe('createLogSink', () => {
  it('writes each notification as one object, at once', async () => {
    const lines: object[] = [];
    const sink = createLogSink((l) => lines.push(l));
    const n = sampleNotification();
    sink.enqueue(n);
    expect(lines).toEqual([n]);
    expect(sink.name).toBe('log');
    await sink.close();
  });
});

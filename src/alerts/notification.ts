// The alert payload every sink sends: one plain, JSON-serialisable object, versioned by `schema`.

/** Bumped when a field changes meaning or goes away; receivers dispatch on it. */
export const ALERT_SCHEMA = 'portcullis.alert/1';

export type AlertType = 'incident.opened' | 'incident.escalated' | 'incident.resolved';
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';
export type AlertIncidentState = 'open' | 'escalated' | 'resolved';

export interface AlertIncident {
  readonly id: string;
  readonly key: string;
  readonly kind: string;
  readonly severity: AlertSeverity;
  readonly state: AlertIncidentState;
  /** `ip:<address>`, `user:<name>`, `service`: client-supplied text, escaped by every sink that renders it. */
  readonly subject: string;
  readonly count: number;
  /** ISO 8601. */
  readonly first_seen: string;
  readonly last_seen: string;
  readonly actions: readonly string[];
}

export interface Notification {
  readonly schema: typeof ALERT_SCHEMA;
  readonly type: AlertType;
  readonly incident: AlertIncident;
  /** When the transition happened (ISO 8601), not when a delivery attempt is made. */
  readonly timestamp: string;
}

/** A notification of a transition at `atMs`; copies what it is given, so a later change of the record cannot leak in. */
export function notificationOf(type: AlertType, incident: AlertIncident, atMs: number): Notification {
  return Object.freeze({
    schema: ALERT_SCHEMA,
    type,
    incident: Object.freeze({ ...incident, actions: Object.freeze([...incident.actions]) }),
    timestamp: new Date(atMs).toISOString(),
  });
}

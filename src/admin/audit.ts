// The admin audit log: one JSON line per change to the gateway's blocks, with its actor, written at once
// (synchronously: an audit line must not be lost in a buffer when the process dies).
import { pino } from 'pino';
import type { Closable } from '../core/resources.js';
import type { AuditWriter } from '../reputation/decisions.js';

export const AUDIT_SCHEMA = 'portcullis.admin_audit/1';

export interface AuditSink extends AuditWriter, Closable {}

/** 'stdout', 'stderr' or a file path (created with its directory). */
export function createAuditSink(destination: string, now: () => number = Date.now): AuditSink {
  const dest = destination === 'stdout' ? 1 : destination === 'stderr' ? 2 : destination;
  const stream = pino.destination({ dest, sync: true, mkdir: typeof dest === 'string' });
  // Synchronous: a failed write or reopen throws to its caller (which logs it); the same error is emitted
  // afterwards too, and an 'error' event nobody listens to would end the process.
  stream.on('error', () => undefined);
  return {
    write(entry) {
      const line = {
        schema: AUDIT_SCHEMA,
        time: new Date(now()).toISOString(),
        action: entry.action,
        actor: entry.actor,
        token_id: entry.token_id ?? null,
        scope: entry.decision.scope,
        value: entry.decision.value,
        origin: entry.decision.origin,
        reason: entry.decision.reason,
        expires_at: new Date(entry.decision.expires).toISOString(),
        ...(entry.decision.offence !== undefined ? { offence: entry.decision.offence } : {}),
      };
      stream.write(JSON.stringify(line) + '\n');
    },
    writeIncident(entry) {
      const line = {
        schema: AUDIT_SCHEMA,
        time: new Date(now()).toISOString(),
        action: `incident_${entry.action}`,
        actor: entry.actor,
        token_id: entry.token_id ?? null,
        incident: entry.incident,
        note: entry.note,
      };
      stream.write(JSON.stringify(line) + '\n');
    },
    reopen() {
      if (typeof dest === 'string') stream.reopen();
    },
    close() {
      if (typeof dest === 'string') stream.end();
    },
  };
}

// The blocks service under one configuration: its settings and audit sink (applied when that configuration
// swaps in) and its admin API routes (in that configuration's route table). The runtime owns the service.
import type { Clock } from '../core/clock.js';
import type { Resources } from '../core/resources.js';
import type { AdminHandler } from '../core/admin-route.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Decisions, DecisionSettings } from '../reputation/decisions.js';
import { createAuditSink, type AuditSink } from '../admin/audit.js';
import { decisionsApi } from '../admin/decisions-api.js';

/** The audit sink of a configuration that is only checked, never served. */
const NOT_OPENED: AuditSink = Object.freeze({ write: () => undefined, close: () => undefined });

/** How the runtime runs the blocks service under one configuration (applied when that configuration swaps in). */
export interface BlocksPlan {
  readonly settings: DecisionSettings;
  readonly resyncMs: number;
}

/**
 * The blocks service's settings under `config`, or null when the module is off (the service then stops its
 * periodic re-read). Built with the snapshot, so the audit sink is a resource that configuration names.
 */
export function blocksPlan(
  config: GatewayConfig,
  deps: {
    readonly resources: Resources;
    readonly clock: Clock;
    /** false (`portcullis check`): the audit log is not opened (its path was checked on disk at load). */
    readonly openOutputs?: boolean;
  },
): BlocksPlan | null {
  const c = config.decisions;
  if (c.mode === 'off') return null;
  const audit =
    deps.openOutputs === false
      ? NOT_OPENED
      : deps.resources.get(`audit:${c.audit_log}`, () => createAuditSink(c.audit_log, () => deps.clock.now()));
  return Object.freeze({
    settings: Object.freeze({
      stepsMs: Object.freeze(c.escalation.steps_s.map((s) => s * 1000)),
      rememberMs: c.escalation.remember_s * 1000,
      audit,
    }),
    resyncMs: c.resync_s * 1000,
  });
}

/** `GET/POST/DELETE /admin/api/decisions` while the module is on; none when it is off. */
export function blocksAdminRoutes(
  config: GatewayConfig,
  blocks: Decisions,
  clock: Clock,
): ReadonlyArray<readonly [string, AdminHandler]> {
  if (config.decisions.mode === 'off') return [];
  return Object.entries(decisionsApi(blocks, () => clock.now()));
}

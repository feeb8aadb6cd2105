// Incidents as a log-phase hook (module `incident`): each finished request's signal is counted into a shared
// incident off the request path; the instance that sees a transition acts on it and tells the alert targets.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import { GatewayError } from '../core/errors.js';
import type { GatewayConfig } from '../config/schema.js';
import { Incidents, settingsOf } from '../incidents/service.js';
import { signalOf } from '../incidents/signals.js';
import { rateControl } from '../ratelimit/control.js';
import { incidentsApi } from '../incidents/api.js';
import type { CheckDeps } from './deps.js';

export function buildIncidentsCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.incidents;
  if (c.mode === 'off') return null;
  const blocks = deps.services?.blocks;
  if (blocks === undefined)
    throw new GatewayError('GW_ERR_INTERNAL', 'incidents: the runtime provided no blocks service');
  const { store, clock, log, metrics } = deps;
  // One service per process, kept across reloads (its sweep and its subscribers outlive a configuration).
  const incidents = deps.resources.get('incidents', () => {
    const made = new Incidents(store, clock, log, blocks, (kind, severity, transition) =>
      metrics?.incidents.labels(kind, severity, transition).inc(),
    );
    // every automatic block is an incident's report too (once per process: the service outlives reloads)
    made.unsubscribeOffences = blocks.onOffence((d) => made.offence(d));
    return made;
  });
  incidents.settings = settingsOf(c);
  incidents.start();
  for (const [route, handler] of Object.entries(incidentsApi(incidents, () => blocks.settings.audit)))
    deps.admin?.(route, handler);
  const control = config.rate_limits.mode === 'off' ? null : rateControl(deps.resources, store, clock);
  const failed = (err: unknown): void => {
    metrics?.incidentErrors.inc();
    log.warn({ err }, 'incidents: a report could not be counted (the store may be down)');
  };
  return Object.freeze({
    name: 'incident',
    phase: 'connection',
    mode: c.mode === 'monitor' ? 'monitor' : 'enforce',
    run(): Verdict {
      return PASS; // it never refuses: incidents act through blocks and tiers, on later requests
    },
    onComplete(ctx: RequestContext): void {
      const signal = signalOf(ctx);
      if (signal === null) return;
      const tighten = control === null ? null : (ttlMs: number) => control.tighten(ctx, ttlMs);
      incidents.observe(signal, tighten).catch(failed);
    },
  } satisfies Check);
}

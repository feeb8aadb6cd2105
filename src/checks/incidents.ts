// Incidents as a log-phase hook (module `incident`): each finished request's signal is counted into a shared
// incident off the request path; the instance that sees a transition acts on it and tells the alert targets.
import { createHash } from 'node:crypto';
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
import { buildCidrSet } from '../net/cidr.js';
import { AlertRouter } from '../incidents/alerting.js';
import { deadLettersApi } from '../incidents/api.js';
import type { AlertsConfig } from '../incidents/config.js';
import type { AlertSink } from '../alerts/sink.js';
import { createLogSink } from '../alerts/log-sink.js';
import { createSlackSink, createWebhookSink } from '../alerts/sinks.js';
import { parseAllowList } from '../alerts/destination.js';
import { parseSecret } from '../alerts/standard-webhooks.js';
import { systemTimers } from '../alerts/timers.js';

/** The configured sinks behind one router, subscribed to the incidents service; closing it unsubscribes. */
function buildRouter(a: AlertsConfig, incidents: Incidents, deps: CheckDeps): AlertRouter {
  const { log, metrics } = deps;
  const allowed = parseAllowList(a.allow_private);
  if (!allowed.ok) throw new GatewayError('GW_ERR_INTERNAL', `incidents.alerts.allow_private: ${allowed.detail}`);
  const delivery = {
    timers: systemTimers,
    onOutcome: (sink: string, outcome: string, info: { id: string; detail: string }) => {
      metrics?.alerts.labels(sink, outcome).inc();
      if (outcome === 'dead' || outcome === 'refused' || outcome === 'dropped')
        log.warn({ sink, outcome, message_id: info.id, detail: info.detail }, `alert ${outcome}`);
    },
  };
  const sinks: AlertSink[] = a.sinks.map((s) => {
    if (s.type === 'log') return createLogSink((n) => log.warn({ alert: n }, 'alert'), s.name);
    if (s.type === 'slack') return createSlackSink({ name: s.name, url: s.url, allow: allowed.allow }, delivery);
    const keys = s.secrets.map((t) => {
      const k = parseSecret(t);
      if (!k.ok) throw new GatewayError('GW_ERR_INTERNAL', `incidents.alerts: sink ${s.name}: ${k.detail}`);
      return k.key;
    });
    return createWebhookSink({ name: s.name, url: s.url, allow: allowed.allow, keys }, delivery);
  });
  const router = new AlertRouter(
    sinks,
    { waitMs: a.group_wait_s * 1000, intervalMs: a.group_interval_s * 1000, repeatMs: a.repeat_interval_s * 1000 },
    systemTimers,
  );
  router.detach = incidents.subscribe(router);
  return router;
}

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
  // the addresses automatic blocks never touch (a local proxy not in trusted_proxies makes every client one)
  const exempt = buildCidrSet(config.decisions.auto.exempt, true);
  incidents.settings = settingsOf(c, exempt.has);
  incidents.start();
  // The sinks and their router, per alerts section: a reload that changes it closes the old ones (after a
  // short flush) and subscribes new ones; one that does not keeps them, queues and dead letters included.
  // (keyed by a digest: the section holds signing secrets and Slack URLs, which are credentials)
  const alertsKey = createHash('sha256').update(JSON.stringify(c.alerts)).digest('hex').slice(0, 16);
  const router = deps.resources.get(`incidents:alerts:${alertsKey}`, () => buildRouter(c.alerts, incidents, deps));
  for (const [route, handler] of Object.entries(deadLettersApi(router.sinks))) deps.admin?.(route, handler);
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

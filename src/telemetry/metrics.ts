// Every Prometheus metric of the gateway, defined in this one file. Labels are bounded: route names,
// decisions, status codes, reason codes and check names come from code and config, never from clients.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';

/** Buckets for the gateway's own added time: microseconds to tens of milliseconds. */
const ADDED_BUCKETS = [
  0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05,
];
const UPSTREAM_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Buckets for compile times: a small diagram takes a tenth of a second, a runaway one the service's timeout. */
const COMPILE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45, 60];
/** Buckets for the wait for a compile slot: none at all, to the longest bounded wait worth configuring. */
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
/** Buckets for compile-cost estimates (units): decades, from a plain diagram to a runaway loop. */
const COST_BUCKETS = [10, 100, 1_000, 10_000, 100_000, 1e6, 1e7, 1e8, 1e10, 1e12];
/** Buckets for the trust score (0..100): tens, so thresholds can be chosen from where the traffic sits. */
const TRUST_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'portcullis_' });
    // gauges named _total (promtool: "non-counter metrics should not have _total suffix"); the same numbers
    // stay as sum() of portcullis_nodejs_active_{handles,requests,resources}{type}
    for (const n of ['handles', 'requests', 'resources'])
      registry.removeSingleMetric(`portcullis_nodejs_active_${n}_total`);
  }
  const r = [registry];
  const inflightNow = { read: (): number => 0 };
  // The admission gauges are set at scrape time by whoever holds the queue (it registers here): setting them on
  // every admit and release cost a few µs per compile (label lookups) for a figure read once a scrape.
  const admissionNow = { refresh: (): void => undefined };
  return {
    registry,
    requests: new FastCounter(
      'portcullis_requests_total',
      'Requests by route, decision (allow, deny, challenge, limit, refuse, error) and status',
      ['route', 'decision', 'status'],
      registry,
    ),
    refusals: new FastCounter(
      'portcullis_refusals_total',
      'Refused requests by route, refusing module and reason code',
      ['route', 'module', 'reason'],
      registry,
    ),
    monitorHits: new FastCounter(
      'portcullis_monitor_hits_total',
      'What checks in monitor mode would have refused, by route, module and reason code',
      ['route', 'module', 'reason'],
      registry,
    ),
    responseInspections: new FastCounter(
      'portcullis_response_inspections_total',
      'Answers judged by a response check, by route, check (svg, response) and action (pass, refuse, strip, monitor)',
      ['route', 'check', 'action'],
      registry,
    ),
    responseFindings: new FastCounter(
      'portcullis_response_findings_total',
      'What response checks found in answers (once per answer and reason), by route, reason code and action',
      ['route', 'reason', 'action'],
      registry,
    ),
    svgStripped: new FastCounter(
      'portcullis_svg_stripped_total',
      'Elements, attributes and processing instructions removed from SVG answers (action strip), by route',
      ['route'],
      registry,
    ),
    behaviourAnomalies: new FastCounter(
      'portcullis_behaviour_anomalies_total',
      'Behaviour findings by route and detector (rapid_fire, error_farming, resource_exhaustion, unusual, shared_source)',
      ['route', 'detector'],
      registry,
    ),
    behaviourUnscored: new FastCounter(
      'portcullis_behaviour_unscored_total',
      'Requests whose behaviour term was unscored, by route and reason (store_unavailable, warmup, new_client)',
      ['route', 'reason'],
      registry,
    ),
    clientErrors: new Counter({
      name: 'portcullis_client_errors_total',
      help: "Requests refused by Node's HTTP parser or header/body timeouts, by kind",
      labelNames: ['kind'] as const,
      registers: r,
    }),
    addedTime: new FastHistogram(
      'portcullis_gateway_added_seconds',
      "The gateway's own time: body received to request sent (part=request), upstream headers to first byte out (part=response)",
      ['route', 'part'],
      ADDED_BUCKETS,
      registry,
    ),
    upstreamTime: new FastHistogram(
      'portcullis_upstream_seconds',
      'Upstream time: request sent to response headers received',
      ['route'],
      UPSTREAM_BUCKETS,
      registry,
    ),
    upstreamErrors: new FastCounter(
      'portcullis_upstream_errors_total',
      'Upstream failures by route and kind (refused, timeout, reset, response_too_large, other)',
      ['route', 'kind'],
      registry,
    ),
    compileOutcomes: new FastCounter(
      'portcullis_compile_outcomes_total',
      'Forwarded compiles by route, tier and outcome (ok, tex_error, timeout, memory, too_large, rejected, error, aborted)',
      ['route', 'tier', 'outcome'],
      registry,
    ),
    compileSeconds: new FastHistogram(
      'portcullis_compile_seconds',
      "Compile time by route, tier and kind: wall (the service's figure, or the gateway's measure) and cpu (stated by the service)",
      ['route', 'tier', 'kind'],
      COMPILE_BUCKETS,
      registry,
    ),
    costUnits: new FastHistogram(
      'portcullis_cost_units',
      'Compile-cost estimates of requests with code fields (units, docs/cost.md), by route and lane (normal, slow)',
      ['route', 'lane'],
      COST_BUCKETS,
      registry,
    ),
    compileHeaderProblems: new FastCounter(
      'portcullis_compile_header_problems_total',
      'Answers on routes that trust the outcome headers whose headers were not used, by route and problem (missing, malformed, inconsistent)',
      ['route', 'problem'],
      registry,
    ),
    budgetRefusals: new FastCounter(
      'portcullis_budget_refusals_total',
      'Requests refused because a compile budget was spent, by tier and budget (compile-hour, compile-day)',
      ['tier', 'budget'],
      registry,
    ),
    budgetCharged: new FastCounter(
      'portcullis_budget_charged_seconds_total',
      'Compile seconds charged to budgets (CPU when stated, else wall; a timeout in full), by tier',
      ['tier'],
      registry,
    ),
    budgetStoreFailures: new FastCounter(
      'portcullis_budget_store_failures_total',
      'Budget store calls that failed, by what it meant: check (the request refused 503 under fail-closed) or charge (not charged)',
      ['op'],
      registry,
    ),
    admissionCapacity: new Gauge({
      name: 'portcullis_admission_capacity',
      help: 'Compiles allowed in flight to the compile service, by lane (normal, slow)',
      labelNames: ['lane'] as const,
      registers: r,
      collect() {
        admissionNow.refresh();
      },
    }),
    admissionInflight: new Gauge({
      name: 'portcullis_admission_inflight',
      help: 'Compiles in flight to the compile service through this instance, by lane (normal, slow)',
      labelNames: ['lane'] as const,
      registers: r,
      collect() {
        admissionNow.refresh();
      },
    }),
    admissionQueued: new Gauge({
      name: 'portcullis_admission_queue_depth',
      help: 'Requests waiting for a compile slot, by tier',
      labelNames: ['tier'] as const,
      registers: r,
      collect() {
        admissionNow.refresh();
      },
    }),
    admissionWait: new FastHistogram(
      'portcullis_admission_wait_seconds',
      'Time from asking for a compile slot to getting it or giving up, by tier and result',
      ['tier', 'result'],
      WAIT_BUCKETS,
      registry,
    ),
    admissionResults: new FastCounter(
      'portcullis_admission_results_total',
      'Requests that asked for a compile slot, by tier and result (admitted, shed, timeout, gone, unavailable)',
      ['tier', 'result'],
      registry,
    ),
    admissionStoreFailures: new FastCounter(
      'portcullis_admission_store_failures_total',
      'Calls to the shared slot table (admission shared: true) that failed; waiters retry, or time out',
      [],
      registry,
    ),
    trustScore: new FastHistogram(
      'portcullis_trust_score',
      'Trust scores (0..100) by route and decision (allow, challenge, deny: what enforce mode does or would do)',
      ['route', 'decision'],
      TRUST_BUCKETS,
      registry,
    ),
    trustUnscored: new FastCounter(
      'portcullis_trust_unscored_total',
      'Trust components left unscored (their data missing: store down, no database, a new client), by component',
      ['component'],
      registry,
    ),
    upstreamUp: new Gauge({
      name: 'portcullis_upstream_up',
      help: 'Whether the upstream health path answered 2xx at the last probe (in the background, and by /readyz)',
      registers: r,
    }),
    inflight: new Gauge({
      name: 'portcullis_inflight_requests',
      help: 'Requests in flight',
      registers: r,
      // Read at scrape time from the data plane's own count: no gauge update per request.
      collect() {
        this.set(inflightNow.read());
      },
    }),
    /** Where the inflight gauge reads its value (the data plane registers its counter). */
    inflightNow,
    /** What sets the admission gauges at scrape time (the admission queue registers itself). */
    admissionNow,
    checkErrors: new Counter({
      name: 'portcullis_check_errors_total',
      help: 'Faults (exceptions) inside checks and log hooks, by check',
      labelNames: ['check'] as const,
      registers: r,
    }),
    reloads: new Counter({
      name: 'portcullis_config_reloads_total',
      help: 'Configuration reloads by result (success, failure)',
      labelNames: ['result'] as const,
      registers: r,
    }),
    restartRequired: new Counter({
      name: 'portcullis_config_restart_required_total',
      help: 'Reloads that changed a key taking effect only on restart (the running value stays), by key',
      labelNames: ['key'] as const,
      registers: r,
    }),
    configTimestamp: new Gauge({
      name: 'portcullis_config_loaded_timestamp_seconds',
      help: 'When the configuration in use was loaded',
      registers: r,
    }),
    storeUp: new Gauge({
      name: 'portcullis_store_up',
      help: 'Whether the shared store (Redis) answers: 1 up, 0 down (policy fail-open or fail-closed applies)',
      registers: r,
    }),
    storeErrors: new Counter({
      name: 'portcullis_store_errors_total',
      help: 'Store call failures by kind (timeout, connection, busy, script, closed, cross_slot)',
      labelNames: ['kind'] as const,
      registers: r,
    }),
    securityEvents: new Counter({
      name: 'portcullis_security_events_total',
      help: 'Security events written, by decision',
      labelNames: ['decision'] as const,
      registers: r,
    }),
    incidents: new Counter({
      name: 'portcullis_incident_transitions_total',
      help: 'Incident transitions seen by this instance (opened, escalated, resolved, reopened), by kind and severity',
      labelNames: ['kind', 'severity', 'transition'] as const,
      registers: r,
    }),
    incidentErrors: new Counter({
      name: 'portcullis_incident_errors_total',
      help: 'Reports to incidents that could not be counted (the store failed); the request was not affected',
      registers: r,
    }),
    alerts: new Counter({
      name: 'portcullis_alerts_total',
      help: 'Alert deliveries by sink and outcome (delivered, retried, dead, dropped, refused)',
      labelNames: ['sink', 'outcome'] as const,
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// Admission (the last body-phase check): a compile slot before forwarding, waited for in a queue by tier; 503
// with Retry-After when shed or when the wait runs out. The slot is given back when the request ends, however.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { AdmissionView } from '../core/admission.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { rateControl, type RateSettings } from '../ratelimit/control.js';
import { groupingFromConfig } from '../ratelimit/subject.js';
import {
  AdmissionQueue,
  realScheduler,
  type Lane,
  type QueueSettings,
  type Settled,
  type Ticket,
} from '../admission/queue.js';
import type { AdmissionConfig } from '../admission/config.js';
import { SharedGate, type GateSettings } from '../admission/shared.js';
import { AdaptiveCap, type AdaptiveSettings } from '../admission/adaptive.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { CheckDeps } from './deps.js';

/** ctx.scratch key: the request's ticket (a slot held, or a place in the queue). */
const TICKET = 'admission.ticket';

/** The queue's settings from config; `capacity` below the configured one when the adaptive cap lowered it. */
export function queueSettings(c: AdmissionConfig, capacity = c.capacity): QueueSettings {
  const ranks = new Map(c.priority.map((t, i) => [t, i]));
  const tierCaps = new Map(
    Object.entries(c.max_share).map(([t, share]) => [t, Math.max(1, Math.floor(capacity * share))]),
  );
  return Object.freeze({
    capacity,
    slowCapacity: c.slow_capacity,
    queueMax: c.queue,
    maxWaitMs: c.max_wait_ms,
    ranks,
    tierCaps,
  });
}

/** The process's queue (kept across reloads, so slots held under the old configuration still count). */
class QueueResource {
  readonly queue: AdmissionQueue;
  /** Gauges follow the queue; the tiers they are labelled by come from the configuration in service. */
  tiers: ReadonlySet<string> = new Set();
  /** The shared slot table's gate, while the configuration says `shared: true`. */
  gate: SharedGate | null = null;
  /** The adaptive cap, while the configuration turns it on (kept across reloads, like the queue). */
  adaptive: AdaptiveCap | null = null;
  constructor(settings: QueueSettings, metrics: Metrics | undefined) {
    this.queue = new AdmissionQueue(settings, realScheduler);
    // read at scrape time, not set at every admit and release
    if (metrics !== undefined) {
      this.metrics = metrics;
      metrics.admissionNow.refresh = this.refresh;
    }
  }

  private metrics: Metrics | undefined;
  private readonly refresh = (): void => {
    if (this.metrics !== undefined) this.gauges(this.metrics);
  };

  private gauges(m: Metrics): void {
    const s = this.queue.stats();
    const cfg = this.queue.config;
    m.admissionCapacity.labels('normal').set(cfg.capacity);
    m.admissionCapacity.labels('slow').set(cfg.slowCapacity);
    m.admissionInflight.labels('normal').set(s.inflight - s.slowInflight);
    m.admissionInflight.labels('slow').set(s.slowInflight);
    let other = 0;
    for (const [tier, n] of s.queuedByTier) if (!this.tiers.has(tier)) other += n;
    for (const tier of this.tiers) m.admissionQueued.labels(tier).set(s.queuedByTier.get(tier) ?? 0);
    m.admissionQueued.labels('other').set(other);
  }

  close(): void {
    this.queue.close();
    if (this.metrics !== undefined && this.metrics.admissionNow.refresh === this.refresh)
      this.metrics.admissionNow.refresh = () => undefined;
  }
}

export function buildAdmissionCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.checks.admission;
  if (c.mode === 'off') return null;
  const routes = new Set(c.routes ?? config.routes.filter((r) => r.compile !== undefined).map((r) => r.name));
  if (routes.size === 0) return null;
  const rl = config.rate_limits;
  const tiers = new Set(Object.keys(rl.tiers));
  const settings: RateSettings = Object.freeze({
    keyBy: rl.key_by,
    grouping: groupingFromConfig(config.identity),
    tiers,
    defaultTier: rl.default_tier,
    suspiciousTier: rl.suspicious_tier,
  });
  const control = rateControl(deps.resources, deps.store, deps.clock);
  const res = deps.resources.get('admission.queue', () => new QueueResource(queueSettings(c), deps.metrics));
  res.tiers = tiers;
  if (c.adaptive.enabled) {
    const as: AdaptiveSettings = {
      max: c.capacity,
      min: Math.min(c.adaptive.min_capacity, c.capacity),
      tolerance: c.adaptive.tolerance,
      window: c.adaptive.window,
    };
    if (res.adaptive === null) res.adaptive = new AdaptiveCap(as);
    else res.adaptive.configure(as);
  } else {
    res.adaptive = null;
  }
  res.queue.configure(queueSettings(c, res.adaptive?.cap));
  const queue = res.queue;
  const m = deps.metrics;
  if (c.shared) {
    const gs: GateSettings = { capacity: c.capacity, slowCapacity: c.slow_capacity, leaseMs: c.lease_ms, retryMs: 25 };
    if (res.gate === null) {
      res.gate = new SharedGate(
        deps.store,
        gs,
        () => queue.wake(),
        (err) => {
          m?.admissionStoreFailures.child().inc();
          deps.log.debug({ err }, 'admission: shared slot table call failed');
        },
      );
      queue.useGate(res.gate);
    } else {
      res.gate.settings = gs;
    }
  } else if (res.gate !== null) {
    res.gate = null;
    queue.useGate(null);
  }
  const refusal = (code: string): TerminalVerdict =>
    Object.freeze({
      kind: 'limit',
      status: 503,
      reasons: Object.freeze([`admission:${code}`]),
      headers: Object.freeze({ 'retry-after': String(c.retry_after_s) }),
    });
  const SHED = refusal('shed');
  const TIMEOUT = refusal('wait_timeout');
  const WOULD_WAIT = refusal('would_wait');
  const label = (tier: string): string => (tiers.has(tier) ? tier : 'other');

  const record = (ctx: RequestContext, t: Ticket, s: Settled): void => {
    const view: AdmissionView = { tier: t.tier, lane: t.lane, result: s.result, waitMs: Math.round(s.waitMs) };
    ctx.admission = view;
    if (m === undefined) return;
    m.admissionWait.child(label(t.tier), s.result).observe(s.waitMs / 1000);
    m.admissionResults.child(label(t.tier), s.result).inc();
  };

  const verdictOf = (ctx: RequestContext, t: Ticket, s: Settled): Verdict => {
    record(ctx, t, s);
    if (s.result === 'shed') return SHED;
    if (s.result === 'timeout') return TIMEOUT;
    // admitted; or gone: the client left while waiting, and nothing is forwarded to a closed response.
    return PASS;
  };

  return Object.freeze({
    name: 'admission',
    phase: 'body',
    mode: c.mode,
    run(ctx: RequestContext): Verdict | Promise<Verdict> {
      const route = ctx.route;
      // The request already ended (client gone while an earlier check awaited): a slot taken now would leak.
      if (route === null || !routes.has(route.name) || ctx.end !== 0) return PASS;
      const subject = control.subjectOf(ctx, settings);
      const tier = control.tierOf(ctx, subject, settings);
      const lane: Lane = ctx.cost?.lane ?? 'normal';
      const t = queue.acquire(subject.id, tier, lane);
      ctx.scratch.set(TICKET, t);
      if (t.settled !== null) return verdictOf(ctx, t, t.settled);
      if (c.mode === 'monitor') {
        // Monitor mode never holds a request back: what it would have done is a monitor hit.
        queue.release(t);
        record(ctx, t, { result: 'gone', waitMs: 0 });
        return WOULD_WAIT;
      }
      return t.wait().then((s) => verdictOf(ctx, t, s));
    },
    onComplete(ctx: RequestContext): void {
      const t = ctx.scratch.get(TICKET) as Ticket | undefined;
      if (t === undefined) return;
      ctx.scratch.delete(TICKET);
      const adaptive = res.adaptive;
      if (adaptive !== null && t.state === 'held' && ctx.compile !== null) {
        if (adaptive.observe(ctx.compile.wallMs, ctx.compile.cpuMs)) queue.configure(queueSettings(c, adaptive.cap));
      }
      // Always: a slot held is freed (answered, refused later, upstream failed, client gone), a wait ended.
      queue.release(t);
    },
  } satisfies Check);
}

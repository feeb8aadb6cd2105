// Per-request metric recording for the log phase: each route's series are resolved once and kept in a
// small per-route object, so a request costs a couple of Map reads and plain increments.
import type { RequestContext } from '../core/context.js';
import type { FastCounterSlot, FastHistogramSlot } from './fast-metrics.js';
import type { Metrics } from './metrics.js';
import type { ResponseInspection } from '../core/inspection.js';
import { COMPILE_OUTCOMES, type CompileSettings } from '../core/compile.js';
import type { BehaviourView } from '../core/behaviour.js';
import type { TrustResult } from '../core/trust.js';

interface RouteSeries {
  readonly addedRequest: FastHistogramSlot;
  readonly addedResponse: FastHistogramSlot;
  readonly upstream: FastHistogramSlot;
  /** Cost estimates by lane (normal, slow), made on a route's first estimate (routes without one show none). */
  cost: readonly [FastHistogramSlot, FastHistogramSlot] | null;
  /** decision -> status -> counter */
  readonly requests: Map<string, Map<number, FastCounterSlot>>;
  /** trust decision -> score histogram */
  readonly trust: Map<string, FastHistogramSlot>;
}

export class RequestMetrics {
  private readonly routes = new Map<string, RouteSeries>();
  /** Compile settings whose outcome series exist at zero already (each configuration's, once). */
  private readonly compileSeeded = new WeakSet<CompileSettings>();
  /** component -> unscored counter (components are a fixed list) */
  private readonly unscored = new Map<string, FastCounterSlot>();
  constructor(readonly m: Metrics) {}

  private series(route: string): RouteSeries {
    let s = this.routes.get(route);
    if (s === undefined) {
      s = {
        addedRequest: this.m.addedTime.child(route, 'request'),
        addedResponse: this.m.addedTime.child(route, 'response'),
        upstream: this.m.upstreamTime.child(route),
        cost: null,
        requests: new Map(),
        trust: new Map(),
      };
      this.routes.set(route, s);
    }
    return s;
  }

  /** What the response checks did (rare enough to resolve its series per call). */
  private inspections(route: string, list: readonly ResponseInspection[]): void {
    const m = this.m;
    for (const r of list) {
      m.responseInspections.child(route, r.check, r.action).inc();
      for (const reason of r.reasons) m.responseFindings.child(route, reason, r.action).inc();
      if (r.stripped !== 0) m.svgStripped.child(route).inc(r.stripped);
    }
  }

  /** Everything the log phase counts for one finished request. */
  record(ctx: RequestContext): void {
    const m = this.m;
    const route = ctx.route?.name ?? '_unmatched';
    const s = this.series(route);
    let byStatus = s.requests.get(ctx.decision);
    if (byStatus === undefined) s.requests.set(ctx.decision, (byStatus = new Map()));
    let counter = byStatus.get(ctx.status);
    if (counter === undefined)
      byStatus.set(ctx.status, (counter = m.requests.child(route, ctx.decision, String(ctx.status))));
    counter.inc();
    if (ctx.refusal !== null) {
      for (const reason of ctx.refusal.reasons) m.refusals.child(route, ctx.refusedBy, reason).inc();
    }
    for (const reason of ctx.monitorHits) {
      m.monitorHits.child(route, reason.slice(0, Math.max(0, reason.indexOf(':'))), reason).inc();
    }
    if (ctx.upstreamSent !== 0) {
      s.addedRequest.observe((ctx.upstreamSent - (ctx.bodyDone !== 0 ? ctx.bodyDone : ctx.start)) / 1000);
      if (ctx.upstreamHeaders !== 0) {
        s.upstream.observe((ctx.upstreamHeaders - ctx.upstreamSent) / 1000);
        if (ctx.firstByteOut !== 0) s.addedResponse.observe((ctx.firstByteOut - ctx.upstreamHeaders) / 1000);
      }
    }
    if (ctx.upstreamError !== '') m.upstreamErrors.child(route, ctx.upstreamError).inc();
    if (ctx.inspections !== null) this.inspections(route, ctx.inspections);
    if (ctx.cost !== null) {
      const c = (s.cost ??= [this.m.costUnits.child(route, 'normal'), this.m.costUnits.child(route, 'slow')]);
      c[ctx.cost.lane === 'slow' ? 1 : 0].observe(ctx.cost.units);
    }
    if (ctx.trust !== null) this.recordTrust(ctx.trust, route, s);
    if (ctx.compile !== null && ctx.route?.compile != null) this.recordCompile(ctx, route, ctx.route.compile);
    if (ctx.behaviour !== null) this.recordBehaviour(ctx.behaviour, route);
  }

  /** What the behaviour check concluded: its findings by detector, or why it could not score. */
  private recordBehaviour(b: BehaviourView, route: string): void {
    if (!b.scored) this.m.behaviourUnscored.child(route, b.unscored).inc();
    for (const a of b.anomalies) this.m.behaviourAnomalies.child(route, a.detector).inc();
  }

  /** The trust score by decision, and each component left unscored. */
  private recordTrust(t: TrustResult, route: string, s: RouteSeries): void {
    let h = s.trust.get(t.decision);
    if (h === undefined) s.trust.set(t.decision, (h = this.m.trustScore.child(route, t.decision)));
    h.observe(t.score);
    for (const term of t.terms) {
      if (term.value !== null) continue;
      let c = this.unscored.get(term.component);
      if (c === undefined) this.unscored.set(term.component, (c = this.m.trustUnscored.child(term.component)));
      c.inc();
    }
  }

  /** Outcome, wall and CPU time of a forwarded compile, by route and (configured) tier. */
  private recordCompile(ctx: RequestContext, route: string, s: CompileSettings): void {
    const m = this.m;
    const c = ctx.compile!;
    if (!this.compileSeeded.has(s)) {
      // Every outcome of every configured tier exists from the first compile on, so rate() sees a first failure.
      this.compileSeeded.add(s);
      for (const tier of [...s.tiers, 'other']) {
        for (const o of COMPILE_OUTCOMES) m.compileOutcomes.child(route, tier, o);
      }
    }
    const tier = s.tiers.has(ctx.identity.tier) ? ctx.identity.tier : 'other';
    m.compileOutcomes.child(route, tier, c.outcome).inc();
    m.compileSeconds.child(route, tier, 'wall').observe(c.wallMs / 1000);
    if (c.cpuMs !== null) m.compileSeconds.child(route, tier, 'cpu').observe(c.cpuMs / 1000);
    if (c.headerProblem !== null) m.compileHeaderProblems.child(route, c.headerProblem).inc();
  }
}

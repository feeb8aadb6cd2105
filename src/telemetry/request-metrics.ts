// Per-request metric recording for the log phase: each route's series are resolved once and kept in a
// small per-route object, so a request costs a couple of Map reads and plain increments.
import type { RequestContext } from '../core/context.js';
import type { FastCounterSlot, FastHistogramSlot } from './fast-metrics.js';
import type { Metrics } from './metrics.js';

interface RouteSeries {
  readonly addedRequest: FastHistogramSlot;
  readonly addedResponse: FastHistogramSlot;
  readonly upstream: FastHistogramSlot;
  /** decision -> status -> counter */
  readonly requests: Map<string, Map<number, FastCounterSlot>>;
}

export class RequestMetrics {
  private readonly routes = new Map<string, RouteSeries>();
  constructor(readonly m: Metrics) {}

  private series(route: string): RouteSeries {
    let s = this.routes.get(route);
    if (s === undefined) {
      s = {
        addedRequest: this.m.addedTime.child(route, 'request'),
        addedResponse: this.m.addedTime.child(route, 'response'),
        upstream: this.m.upstreamTime.child(route),
        requests: new Map(),
      };
      this.routes.set(route, s);
    }
    return s;
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
  }
}

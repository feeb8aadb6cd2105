// Per-request metric recording for the log phase: one resolved slot per series (see fast-metrics.ts).
import type { RequestContext } from '../core/context.js';
import type { Metrics } from './metrics.js';

export class RequestMetrics {
  constructor(readonly m: Metrics) {}

  /** Everything the log phase counts for one finished request. */
  record(ctx: RequestContext): void {
    const m = this.m;
    const route = ctx.route?.name ?? '_unmatched';
    m.requests.child(route, ctx.decision, String(ctx.status)).inc();
    if (ctx.refusal !== null) {
      for (const reason of ctx.refusal.reasons) m.refusals.child(route, ctx.refusedBy, reason).inc();
    }
    for (const reason of ctx.monitorHits) {
      m.monitorHits.child(route, reason.slice(0, Math.max(0, reason.indexOf(':'))), reason).inc();
    }
    if (ctx.upstreamSent !== 0) {
      const reqPart = ctx.upstreamSent - (ctx.bodyDone !== 0 ? ctx.bodyDone : ctx.start);
      m.addedTime.child(route, 'request').observe(reqPart / 1000);
      if (ctx.upstreamHeaders !== 0) {
        m.upstreamTime.child(route).observe((ctx.upstreamHeaders - ctx.upstreamSent) / 1000);
        if (ctx.firstByteOut !== 0) {
          m.addedTime.child(route, 'response').observe((ctx.firstByteOut - ctx.upstreamHeaders) / 1000);
        }
      }
    }
    if (ctx.upstreamError !== '') m.upstreamErrors.child(route, ctx.upstreamError).inc();
  }
}

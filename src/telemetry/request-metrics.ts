// Per-request metric recording with label children cached, so the hot path does one Map lookup per series.
import type { RequestContext } from '../core/context.js';
import type { Metrics } from './metrics.js';

type CounterChild = { inc(n?: number): void };
type HistogramChild = { observe(v: number): void };

export class RequestMetrics {
  private readonly counters = new Map<string, CounterChild>();
  private readonly histograms = new Map<string, HistogramChild>();
  constructor(readonly m: Metrics) {}

  private counter(key: string, make: () => CounterChild): CounterChild {
    let c = this.counters.get(key);
    if (c === undefined) {
      c = make();
      this.counters.set(key, c);
    }
    return c;
  }

  private histogram(key: string, make: () => HistogramChild): HistogramChild {
    let h = this.histograms.get(key);
    if (h === undefined) {
      h = make();
      this.histograms.set(key, h);
    }
    return h;
  }

  /** Everything the log phase counts for one finished request. */
  record(ctx: RequestContext): void {
    const route = ctx.route?.name ?? '_unmatched';
    const status = String(ctx.status);
    this.counter(`r|${route}|${ctx.decision}|${status}`, () =>
      this.m.requests.child(route, ctx.decision, status),
    ).inc();
    if (ctx.refusal !== null) {
      for (const reason of ctx.refusal.reasons) {
        this.counter(`x|${route}|${ctx.refusedBy}|${reason}`, () =>
          this.m.refusals.child(route, ctx.refusedBy, reason),
        ).inc();
      }
    }
    for (const reason of ctx.monitorHits) {
      const mod = reason.slice(0, Math.max(0, reason.indexOf(':')));
      this.counter(`m|${route}|${reason}`, () => this.m.monitorHits.child(route, mod, reason)).inc();
    }
    if (ctx.upstreamSent !== 0) {
      const reqPart = ctx.upstreamSent - (ctx.bodyDone !== 0 ? ctx.bodyDone : ctx.start);
      this.histogram(`a|${route}|request`, () => this.m.addedTime.child(route, 'request')).observe(reqPart / 1000);
      if (ctx.upstreamHeaders !== 0) {
        this.histogram(`u|${route}`, () => this.m.upstreamTime.child(route)).observe(
          (ctx.upstreamHeaders - ctx.upstreamSent) / 1000,
        );
        if (ctx.firstByteOut !== 0) {
          this.histogram(`a|${route}|response`, () => this.m.addedTime.child(route, 'response')).observe(
            (ctx.firstByteOut - ctx.upstreamHeaders) / 1000,
          );
        }
      }
    }
    if (ctx.upstreamError !== '') {
      this.counter(`e|${route}|${ctx.upstreamError}`, () =>
        this.m.upstreamErrors.child(route, ctx.upstreamError),
      ).inc();
    }
  }
}

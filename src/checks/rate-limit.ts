// Rate tiers (headers phase): every counter of the request in one store call; 429 with RateLimit headers.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { limit, PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { groupingFromConfig, SINGLE_LEVEL } from '../ratelimit/subject.js';
import { Plans } from '../ratelimit/plan.js';
import type { LimitOutcome } from '../ratelimit/limiter.js';
import { LeasedLimiter } from '../ratelimit/lease.js';
import { rateLimitHeaders, retryAfter } from '../ratelimit/headers.js';
import { rateControl, type RateSettings } from '../ratelimit/control.js';
import { addResponseHeaders } from '../ratelimit/response-headers.js';
import { StoreError } from '../store/errors.js';
import type { CheckDeps } from './deps.js';

export function buildRateLimitCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.rate_limits;
  if (c.mode === 'off') return null;
  const grouping = groupingFromConfig(config.identity);
  const settings: RateSettings = Object.freeze({
    keyBy: c.key_by,
    grouping,
    tiers: new Set(Object.keys(c.tiers)),
    defaultTier: c.default_tier,
    suspiciousTier: c.suspicious_tier,
  });
  const plans = new Plans(
    c,
    config.routes.map((r) => r.name),
    { single: SINGLE_LEVEL, v4: grouping.v4, v6: grouping.v6 },
  );
  const control = rateControl(deps.resources, deps.store, deps.clock);
  control.latest = settings;
  const store = deps.store;
  // One store call admits up to lease.max_requests of a client (synchronously on the memory store).
  const shared = new LeasedLimiter(store, {
    maxUnits: c.lease.max_requests,
    share: c.lease.share,
    maxMs: c.lease.max_ms,
    maxEntries: c.lease.max_clients,
  });
  const unavailable: TerminalVerdict = Object.freeze({
    kind: 'limit',
    status: 503,
    reasons: Object.freeze(['rate:store_unavailable']),
    headers: Object.freeze({ 'retry-after': String(c.unavailable_retry_after_s) }),
  });
  const onSuccess = c.headers_on_success;

  const decide = (ctx: RequestContext, policyHeader: string, out: LimitOutcome): Verdict => {
    const headers = rateLimitHeaders(policyHeader, out.standings);
    if (out.allowed) {
      if (onSuccess) addResponseHeaders(ctx, headers);
      return PASS;
    }
    const reasons = out.standings.filter((s) => !s.allow).map((s) => s.def.reason);
    return limit(reasons, { ...headers, 'retry-after': String(retryAfter(out.standings)) });
  };

  return Object.freeze({
    name: 'rate',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Promise<Verdict> | Verdict {
      const subject = control.subjectOf(ctx, settings);
      const tier = control.tierOf(ctx, subject, settings);
      const plan = plans.get(tier, ctx.route?.name ?? null, subject.kind);
      if (plan === undefined || plan.defs.length === 0) return PASS;
      const out = shared.check(plan, subject);
      if (!(out instanceof Promise)) return decide(ctx, plan.policyHeader, out);
      return out.then(
        (o) => decide(ctx, plan.policyHeader, o),
        (err: unknown) => {
          // fail-closed (or a store without a fallback) reaches here: 503, not a fault.
          if (err instanceof StoreError && err.unavailable) return unavailable;
          throw err;
        },
      );
    },
  } satisfies Check);
}

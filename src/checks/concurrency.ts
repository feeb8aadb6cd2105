// Per-client in-flight cap (headers phase), per gateway instance; the slot is released when the request ends.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { rateControl, type RateSettings } from '../ratelimit/control.js';
import { groupingFromConfig } from '../ratelimit/subject.js';
import type { CheckDeps } from './deps.js';

/** ctx.scratch key: the client id whose slot this request holds (set only when one was taken). */
const HELD = 'concurrency.held';

export function buildConcurrencyCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.rate_limits;
  if (c.mode === 'off') return null;
  const caps = new Map(Object.entries(c.tiers).map(([name, t]) => [name, t.in_flight]));
  if ([...caps.values()].every((n) => n === 0)) return null;
  const settings: RateSettings = Object.freeze({
    keyBy: c.key_by,
    grouping: groupingFromConfig(config.identity),
    tiers: new Set(caps.keys()),
    defaultTier: c.default_tier,
    suspiciousTier: c.suspicious_tier,
  });
  const control = rateControl(deps.resources, deps.store, deps.clock);
  const inflight = control.inflight;
  const refusals = new Map<string, TerminalVerdict>(
    [...caps.entries()].map(([tier, cap]) => [
      tier,
      Object.freeze({
        kind: 'limit',
        status: 429,
        reasons: Object.freeze([`rate:${tier}:in_flight`]),
        headers: Object.freeze({
          'retry-after': '1',
          'ratelimit-policy': `"in_flight";q=${cap};qu="concurrent-requests"`,
          ratelimit: '"in_flight";r=0',
        }),
      }),
    ]),
  );

  return Object.freeze({
    name: 'concurrency',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      // The request already ended (client gone while an earlier check awaited): taking a slot would leak it.
      if (ctx.end !== 0) return PASS;
      const subject = control.subjectOf(ctx, settings);
      const tier = control.tierOf(ctx, subject, settings);
      const cap = caps.get(tier) ?? 0;
      if (cap === 0) return PASS;
      if (!inflight.acquire(subject.id, cap)) return refusals.get(tier)!;
      ctx.scratch.set(HELD, subject.id);
      return PASS;
    },
    onComplete(ctx: RequestContext): void {
      const id = ctx.scratch.get(HELD) as string | undefined;
      if (id === undefined) return;
      ctx.scratch.delete(HELD);
      inflight.release(id);
    },
  } satisfies Check);
}

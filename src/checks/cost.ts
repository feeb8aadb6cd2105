// The cost check (module `cost`): body phase, after the signatures. Estimates the work a request's code
// fields ask of the compiler (src/cost/), sets ctx.cost on every request it estimates, and over the tier's
// maximum refuses (422 `cost:<construct>`, the largest term) or marks the request for the slow lane.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { CostEstimate } from '../core/cost.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import type { CostConfig } from '../cost/config.js';
import { estimateFields } from '../cost/estimate.js';
import { predictSeconds } from '../cost/model.js';

/**
 * 422 Unprocessable Content: the request is well formed and small, but what it asks for is more than the
 * service does; 413 (Content Too Large) would send the client looking at its body's size.
 */
export const COST_STATUS = 422;

/** The refusal of each construct, made once (reasons are shared frozen arrays). */
const reasonsOf = new Map<string, readonly string[]>();
function reasons(construct: string): readonly string[] {
  let r = reasonsOf.get(construct);
  if (r === undefined) reasonsOf.set(construct, (r = Object.freeze([`cost:${construct}`])));
  return r;
}

/** A synchronous check: the estimate needs no I/O. */
export type CostCheck = Omit<Check, 'run'> & { run(ctx: RequestContext): Verdict };

export function costCheck(c: CostConfig, mode: 'enforce' | 'monitor'): CostCheck {
  const routes = c.routes.length === 0 ? null : new Set(c.routes);
  const max = new Map(Object.entries(c.max_units));
  const options = Object.freeze({ defaultBound: c.default_bound });
  const slow = c.over === 'slow';
  return Object.freeze({
    name: 'cost',
    phase: 'body',
    mode,
    run(ctx: RequestContext): Verdict {
      const fields = ctx.decoded?.fields;
      if (fields === undefined || fields.length === 0) return PASS;
      if (routes !== null && !routes.has(ctx.route?.name ?? '')) return PASS;
      let code = false;
      for (const f of fields) code ||= f.code;
      if (!code) return PASS;
      const e = estimateFields(fields, options, c.max_terms);
      const over = e.units > (max.get(ctx.identity.tier) ?? c.default_max_units);
      const estimate: CostEstimate = {
        units: e.units,
        seconds: predictSeconds(c.model, e.units),
        breakdown: e.breakdown,
        // monitor mode changes nothing: the lane is what enforce would have chosen only when enforcing
        lane: over && slow && mode === 'enforce' ? 'slow' : 'normal',
      };
      ctx.cost = estimate;
      if (!over || slow) return PASS;
      return { kind: 'deny', status: COST_STATUS, reasons: reasons(e.breakdown[0]?.construct ?? 'paths'), score: 0 };
    },
  } satisfies CostCheck);
}

export function buildCostCheck(config: GatewayConfig): Check | null {
  const c = config.checks.cost;
  if (c.mode === 'off') return null;
  return costCheck(c, c.mode);
}

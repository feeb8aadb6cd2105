// Header hygiene check: required and forbidden request headers (a simple, cheap headers-phase check).
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';

export function buildHeadersCheck(config: GatewayConfig): Check | null {
  const c = config.checks.headers;
  if (c.mode === 'off' || (c.require.length === 0 && c.forbid.length === 0)) return null;
  const require = c.require.map((h) => h.toLowerCase());
  const forbid = c.forbid.map((h) => h.toLowerCase());
  // Precomputed refusals: the per-request path allocates nothing.
  const missing = new Map(
    require.map((h) => [h, Object.freeze({ kind: 'deny', status: 403, reasons: [`headers:missing:${h}`] } as const)]),
  );
  const present = new Map(
    forbid.map((h) => [h, Object.freeze({ kind: 'deny', status: 403, reasons: [`headers:forbidden:${h}`] } as const)]),
  );
  return Object.freeze({
    name: 'headers',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      for (const [h, v] of missing) if (ctx.headers[h] === undefined) return v;
      for (const [h, v] of present) if (ctx.headers[h] !== undefined) return v;
      return PASS;
    },
  } satisfies Check);
}

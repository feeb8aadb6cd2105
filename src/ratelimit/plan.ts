// Plans built once at load: for each tier, route and grouping, the limits that apply, their script args and headers.
import type { AlgoParams } from './algorithms.js';
import type { LimitConfig, RateLimitsConfig } from './config.js';
import { limitArgs } from './script.js';
import type { GroupLevel } from '../net/prefix.js';

export interface PolicyDef {
  /** Header policy name (the limit's name; wider grouping levels get a suffix). */
  readonly name: string;
  readonly params: AlgoParams;
  /** Refusal reason `rate:<tier>:<name>`. */
  readonly reason: string;
  /** Structured-field item for RateLimit-Policy, e.g. `"per_minute";q=10;w=60;pc-burst=5`. */
  readonly policyItem: string;
  /** Which grouping level's key this limit counts under (0 = narrowest). */
  readonly level: number;
  /** Key tail after the level: `<route>:<name>` or `<name>`. */
  readonly suffix: string;
}

export interface Plan {
  readonly tier: string;
  readonly defs: readonly PolicyDef[];
  /** ARGV after now: want 1, share 1, then all limits concatenated (see script.ts). */
  readonly args: readonly (string | number)[];
  /** The whole RateLimit-Policy field value. */
  readonly policyHeader: string;
}

function scaled(l: LimitConfig, scale: number): AlgoParams {
  if (l.algorithm === 'gcra') {
    const rate = Math.max(1, Math.round(l.rate * scale));
    return { kind: 'gcra', intervalMs: (l.period_s * 1000) / rate, burst: Math.max(1, Math.round(l.burst * scale)) };
  }
  return { kind: 'window', windowMs: l.window_s * 1000, limit: Math.max(1, Math.round(l.limit * scale)) };
}

function policyItem(name: string, l: LimitConfig, p: AlgoParams): string {
  if (p.kind === 'gcra' && l.algorithm === 'gcra') {
    const q = Math.round((l.period_s * 1000) / p.intervalMs);
    return `"${name}";q=${q};w=${l.period_s};pc-burst=${p.burst}`;
  }
  return `"${name}";q=${(p as { limit: number }).limit};w=${(l as { window_s: number }).window_s}`;
}

/** Limits of a tier that apply on a route (route null: requests matching no route). */
function applicable(limits: readonly LimitConfig[], route: string | null): LimitConfig[] {
  return limits.filter((l) => l.routes === undefined || (route !== null && l.routes.includes(route)));
}

export function buildPlan(
  tier: string,
  limits: readonly LimitConfig[],
  route: string | null,
  levels: readonly GroupLevel[],
): Plan {
  const defs: PolicyDef[] = [];
  // One request at a time (want 1, share 1); lease.ts makes the leasing variant of these args.
  const args: (string | number)[] = [1, 1];
  const lim = applicable(limits, route);
  levels.forEach((level, li) => {
    for (const l of lim) {
      const params = scaled(l, level.scale);
      const name = li === 0 ? l.name : `${l.name}_net${level.bits}`;
      const suffix = l.per_endpoint ? `${route ?? '-'}:${l.name}` : l.name;
      defs.push({
        name,
        params,
        reason: `rate:${tier}:${name}`,
        policyItem: policyItem(name, l, params),
        level: li,
        suffix,
      });
      args.push(...limitArgs(params, 1));
    }
  });
  return Object.freeze({
    tier,
    defs: Object.freeze(defs),
    args: Object.freeze(args),
    policyHeader: defs.map((d) => d.policyItem).join(', '),
  });
}

export type GroupingKind = 'single' | 'v4' | 'v6';

/** Every plan of a config, by tier, route and grouping kind (nested maps: no key string per request). */
export class Plans {
  private readonly byTier = new Map<string, Map<string | null, Readonly<Record<GroupingKind, Plan>>>>();

  constructor(
    config: RateLimitsConfig,
    routes: readonly string[],
    levels: Readonly<Record<GroupingKind, readonly GroupLevel[]>>,
  ) {
    for (const [tier, t] of Object.entries(config.tiers)) {
      const byRoute = new Map<string | null, Readonly<Record<GroupingKind, Plan>>>();
      for (const route of [null, ...routes]) {
        byRoute.set(
          route,
          Object.freeze({
            single: buildPlan(tier, t.limits, route, levels.single),
            v4: buildPlan(tier, t.limits, route, levels.v4),
            v6: buildPlan(tier, t.limits, route, levels.v6),
          }),
        );
      }
      this.byTier.set(tier, byRoute);
    }
    Object.freeze(this);
  }

  get(tier: string, route: string | null, kind: GroupingKind): Plan | undefined {
    return this.byTier.get(tier)?.get(route)?.[kind];
  }
}

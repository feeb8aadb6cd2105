// `portcullis explain`: the compile budgets and the admission policy that would apply to a request's route and
// tier. Offline, so what a client has spent (in the store) and the queue (in a running gateway) are not known.
import type { GatewayConfig } from '../config/schema.js';

function applies(routes: readonly string[] | undefined, config: GatewayConfig, route: string): boolean {
  return (routes ?? config.routes.filter((r) => r.compile !== undefined).map((r) => r.name)).includes(route);
}

/** Lines for the explanation (none when neither check is on for the route). */
export function compilePolicyLines(config: GatewayConfig, route: string | null, requestTier: string): string[] {
  if (route === null) return [];
  const lines: string[] = [];
  const tiers = config.rate_limits.tiers;
  const tier = Object.hasOwn(tiers, requestTier) ? requestTier : config.rate_limits.default_tier;
  const b = config.checks.budgets;
  if (b.mode !== 'off' && applies(b.routes, config, route)) {
    const t = Object.hasOwn(b.tiers, tier) ? b.tiers[tier] : undefined;
    const parts: string[] = [];
    if (t?.per_hour_s !== undefined) parts.push(`compile-hour ${t.per_hour_s} s`);
    if (t?.per_day_s !== undefined) parts.push(`compile-day ${t.per_day_s} s`);
    lines.push(
      parts.length === 0
        ? `budget (${b.mode}): none for tier ${tier}`
        : `budget (${b.mode}): tier ${tier}: ${parts.join(', ')}; a timeout is charged ${b.timeout_charge_s} s (what the client has spent is in the store, not read here)`,
    );
  }
  const a = config.checks.admission;
  if (a.mode !== 'off' && applies(a.routes, config, route)) {
    const rank = a.priority.indexOf(tier);
    const share = Object.hasOwn(a.max_share, tier) ? a.max_share[tier] : undefined;
    const slots = share === undefined ? a.capacity : Math.max(1, Math.floor(a.capacity * share));
    lines.push(
      `admission (${a.mode}): ${a.capacity} compile slots${a.shared ? ' shared by every instance' : ' per instance'}` +
        ` (slow lane ${a.slow_capacity}); tier ${tier} ranks ${rank === -1 ? 'last (not in priority)' : `${rank + 1} of ${a.priority.length}`}` +
        `, may hold ${slots}; queue ${a.queue}, wait up to ${a.max_wait_ms} ms`,
    );
  }
  return lines;
}

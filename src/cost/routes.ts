// Which routes the cost check refuses by its estimate: read by the signatures, whose cost-input rules score
// as LOW where the estimate enforces.
import type { GatewayConfig } from '../config/schema.js';

/**
 * The routes whose code fields the cost check refuses by its estimate (enforce mode, `over: refuse`): the
 * routes it names, or every route that inspects bodies. The signatures read it to score their cost-input rules
 * as LOW there. Sent to a slow lane instead, or only counted, a costly diagram would still be compiled: the rules
 * then keep their own severity.
 */
export function costRoutesOf(config: GatewayConfig): ReadonlySet<string> {
  const c = config.checks.cost;
  if (c.mode !== 'enforce' || c.over !== 'refuse') return new Set();
  return new Set(c.routes.length !== 0 ? c.routes : config.routes.filter((r) => r.inspect_body).map((r) => r.name));
}

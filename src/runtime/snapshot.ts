// Builds the snapshot a configuration serves with (http/snapshot.ts): checks from the registry, routes, trusted
// proxies, security headers, body limits and the admin route table. Part of the composition root.
import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import type { Check, RequestPhase } from '../core/check.js';
import type { AdminHandler } from '../core/admin-route.js';
import { buildChecks, type CheckDeps, type CheckEntry, CHECKS } from '../checks/registry.js';
import { buildRouter } from '../http/router.js';
import { buildCidrSet } from '../net/cidr.js';
import { buildSecurityHeaders } from '../http/security-headers.js';
import { bodyLimits, type BodyLimits } from '../body/limits.js';
import type { Snapshot } from '../http/snapshot.js';

export type { Snapshot } from '../http/snapshot.js';

export function buildSnapshot(
  config: GatewayConfig,
  deps: Omit<CheckDeps, 'admin'>,
  pool: Dispatcher,
  entries: readonly CheckEntry[] = CHECKS,
  adminRoutes: ReadonlyMap<string, AdminHandler> = new Map(),
): Snapshot {
  const admin = new Map(adminRoutes);
  const built = buildChecks(config, { ...deps, admin: (route, handler) => void admin.set(route, handler) }, entries);
  const phases: Record<RequestPhase, Check[]> = { connection: [], headers: [], body: [] };
  for (const c of built.request) phases[c.phase].push(c);
  const limits = new Map<string, BodyLimits>();
  for (const r of config.routes) limits.set(r.name, bodyLimits(r));
  return Object.freeze({
    config,
    router: buildRouter(config.routes, {
      maxResponseBytes: config.upstream.max_response_bytes,
      responseTimeoutMs: config.upstream.timeout_ms,
      caseInsensitive: config.server.case_insensitive_routes,
      tiers: Object.keys(config.rate_limits.tiers),
    }),
    trusted: buildCidrSet(config.server.trusted_proxies),
    securityHeaders: buildSecurityHeaders(config.security_headers),
    requestIdHeader: config.server.request_id_header.toLowerCase(),
    disclose: config.refusals.disclose,
    phases: Object.freeze({
      connection: Object.freeze(phases.connection),
      headers: Object.freeze(phases.headers),
      body: Object.freeze(phases.body),
    }),
    response: built.response,
    logChecks: Object.freeze(built.request.filter((c) => c.onComplete !== undefined)),
    limits,
    pool,
    admin: frozenMap(admin),
    loadedAt: Date.now(),
  });
}

/** A Map whose mutators throw: the route table is read by admin requests while the snapshot serves. */
function frozenMap<K, V>(m: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = (): never => {
    throw new TypeError("a snapshot's admin routes are read-only");
  };
  return Object.freeze(Object.assign(m, { set: refuse, delete: refuse, clear: refuse }));
}

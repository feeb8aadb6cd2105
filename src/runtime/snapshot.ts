// Builds what a configuration serves with: the snapshot (http/snapshot.ts: checks from the registry, routes,
// trusted proxies, security headers, body limits, the admin route table) and the blocks service's plan. One
// build for `start`, reloads and `check`, so check refuses exactly what start refuses. Every problem of every
// check is collected and thrown at once, positioned in gateway.yaml (or in the rule/key file it is in).
import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import type { Check, RequestPhase } from '../core/check.js';
import type { AdminHandler } from '../core/admin-route.js';
import type { Clock } from '../core/clock.js';
import { ConfigError, GatewayError, type ConfigIssue } from '../core/errors.js';
import { ConfigKeyError } from '../config/key-error.js';
import { issueAt } from '../config/source.js';
import { buildChecks, type CheckDeps, type CheckEntry, CHECKS } from '../checks/registry.js';
import { buildRouter } from '../http/router.js';
import { buildCidrSet } from '../net/cidr.js';
import { buildSecurityHeaders } from '../http/security-headers.js';
import { bodyLimits, type BodyLimits } from '../body/limits.js';
import type { Snapshot } from '../http/snapshot.js';
import { blocksAdminRoutes, blocksPlan, type BlocksPlan } from './blocks.js';

export type { Snapshot } from '../http/snapshot.js';

/** Where a check's problems are reported when its builder could not say which key (by registry name). */
const SECTION: Readonly<Record<string, readonly string[]>> = {
  reputation: ['reputation'],
  decisions: ['decisions'],
  'user-blocks': ['decisions'],
  geo: ['geo'],
  headers: ['checks', 'headers'],
  identity: ['identity'],
  concurrency: ['rate_limits'],
  rate: ['rate_limits'],
  signatures: ['checks', 'signatures'],
  budget: ['checks', 'budgets'],
  admission: ['checks', 'admission'],
};

/**
 * A build failure as positioned issues. Config problems (ConfigError, ConfigKeyError, other GatewayErrors of a
 * builder) become issues; anything else is a fault in the gateway and is rethrown as it is.
 */
export function buildIssues(config: GatewayConfig, err: unknown, section: readonly string[]): ConfigIssue[] {
  if (err instanceof ConfigError) return [...err.issues];
  // A builder that read several files reports each one's problems (checks/identity.ts).
  if (err instanceof AggregateError) return err.errors.flatMap((e: unknown) => buildIssues(config, e, section));
  if (err instanceof ConfigKeyError) return err.problems.map((p) => issueAt(config, p.path, p.message));
  if (err instanceof GatewayError) return [issueAt(config, section, err.message, true)];
  throw err;
}

export function buildSnapshot(
  config: GatewayConfig,
  deps: Omit<CheckDeps, 'admin'>,
  pool: Dispatcher,
  entries: readonly CheckEntry[] = CHECKS,
  adminRoutes: ReadonlyMap<string, AdminHandler> = new Map(),
): Snapshot {
  const admin = new Map(adminRoutes);
  const issues: ConfigIssue[] = [];
  // Each check is built even when an earlier one failed, so one run reports every problem.
  const collecting = entries.map((e) => ({
    name: e.name,
    build: (c: GatewayConfig, d: CheckDeps) => {
      try {
        return e.build(c, d);
      } catch (err) {
        issues.push(...buildIssues(config, err, SECTION[e.name] ?? []));
        return null;
      }
    },
  }));
  const built = buildChecks(config, { ...deps, admin: (route, handler) => void admin.set(route, handler) }, collecting);
  if (issues.length > 0) throw new ConfigError(issues);
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

export interface ConfigurationDeps extends Omit<CheckDeps, 'admin' | 'services'> {
  readonly services: NonNullable<CheckDeps['services']>;
  readonly clock: Clock;
  readonly pool: Dispatcher;
  readonly checks?: readonly CheckEntry[];
  /** The runtime's own admin routes; the configuration's are added to a copy. */
  readonly coreRoutes?: ReadonlyMap<string, AdminHandler>;
  /** false for `check`: files written to (audit log) are not opened; their paths were checked at load. */
  readonly openOutputs?: boolean;
}

export interface BuiltConfiguration {
  readonly snap: Snapshot;
  /** How the blocks service runs under this configuration (null: module off). */
  readonly blocks: BlocksPlan | null;
}

/** Everything a configuration builds, for `start`, reloads and `check` alike. Throws ConfigError (all problems). */
export function buildConfiguration(config: GatewayConfig, deps: ConfigurationDeps): BuiltConfiguration {
  const { pool, checks, coreRoutes, openOutputs, ...checkDeps } = deps;
  let blocks: BlocksPlan | null = null;
  const issues: ConfigIssue[] = [];
  try {
    blocks = blocksPlan(config, { resources: deps.resources, clock: deps.clock, openOutputs });
  } catch (err) {
    issues.push(...buildIssues(config, err, ['decisions']));
  }
  let snap: Snapshot | undefined;
  try {
    snap = buildSnapshot(
      config,
      checkDeps,
      pool,
      checks ?? CHECKS,
      new Map([...(coreRoutes ?? []), ...blocksAdminRoutes(config, deps.services.blocks, deps.clock)]),
    );
  } catch (err) {
    issues.push(...buildIssues(config, err, []));
  }
  if (issues.length > 0 || snap === undefined) throw new ConfigError(sortIssues(issues));
  return { snap, blocks };
}

/** Issues grouped by file (in the order files were first named), in source order within each file. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const rank = new Map<string, number>();
  for (const i of issues) if (!rank.has(i.file)) rank.set(i.file, rank.size);
  return issues
    .map((issue, i) => ({ issue, i, file: rank.get(issue.file) ?? 0 }))
    .sort((a, b) => a.file - b.file || a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.i - b.i)
    .map((x) => x.issue);
}

/** A Map whose mutators throw: the route table is read by admin requests while the snapshot serves. */
function frozenMap<K, V>(m: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = (): never => {
    throw new TypeError("a snapshot's admin routes are read-only");
  };
  return Object.freeze(Object.assign(m, { set: refuse, delete: refuse, clear: refuse }));
}

// Names that refer to something defined elsewhere in the config (tiers, routes) must name something that
// exists: a typo would otherwise silently change protection (an API key with `tier: premum` gets the default
// tier's limits; a per-route setting for `compil` applies nowhere). Each miss says what exists and what is close.
import { closest } from './messages.js';
import type { ConfigPath } from './positions.js';
import type { SemanticIssue, SemanticRule } from './semantic.js';

/** `no tier "premum" (did you mean "premium"?; tiers: anonymous, premium)`. */
export function unknownName(kind: string, name: string, known: Iterable<string>): string {
  const all = [...known];
  const hint = closest(name, all);
  const list = all.length > 0 ? all.join(', ') : 'none';
  return `no ${kind} "${name}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''} (${kind}s: ${list})`;
}

function ref(
  kind: string,
  name: string,
  known: ReadonlySet<string>,
  path: ConfigPath,
  extra: Pick<SemanticIssue, 'atKey' | 'ifWritten'> = {},
): SemanticIssue[] {
  return known.has(name) ? [] : [{ path, message: unknownName(kind, name, known), ...extra }];
}

/** Tiers are the keys of rate_limits.tiers; identities, allow-lists and tightening name them. */
export const tierNamesExist: SemanticRule = (config) => {
  const tiers = new Set(Object.keys(config.rate_limits.tiers));
  const issues: SemanticIssue[] = [];
  // Defaults ('authenticated') are only reported where written: a config without that tier is not wrong.
  const written = { ifWritten: true } as const;
  config.identity.api_keys.keys.forEach((k, i) =>
    issues.push(...ref('tier', k.tier, tiers, ['identity', 'api_keys', 'keys', i, 'tier'], written)),
  );
  issues.push(...ref('tier', config.identity.jwt.default_tier, tiers, ['identity', 'jwt', 'default_tier'], written));
  issues.push(...ref('tier', config.rate_limits.suspicious_tier, tiers, ['rate_limits', 'suspicious_tier'], written));
  for (const tier of Object.keys(config.checks.cost.max_units)) {
    issues.push(...ref('tier', tier, tiers, ['checks', 'cost', 'max_units', tier], { atKey: true }));
  }
  for (const tier of Object.keys(config.checks.signatures.allowlists)) {
    issues.push(...ref('tier', tier, tiers, ['checks', 'signatures', 'allowlists', tier], { atKey: true }));
  }
  return issues;
};

/** Per-route signature settings and the exclusions of the signatures and of CRS name routes by name. */
export const signatureRoutesExist: SemanticRule = (config) => {
  const routes = new Set(config.routes.map((r) => r.name));
  const sig = config.checks.signatures;
  const issues: SemanticIssue[] = [];
  for (const name of Object.keys(sig.routes)) {
    issues.push(...ref('route', name, routes, ['checks', 'signatures', 'routes', name], { atKey: true }));
  }
  sig.exclusions.forEach((e, i) =>
    e.routes.forEach((name, j) =>
      issues.push(...ref('route', name, routes, ['checks', 'signatures', 'exclusions', i, 'routes', j])),
    ),
  );
  config.checks.cost.routes.forEach((name, i) =>
    issues.push(...ref('route', name, routes, ['checks', 'cost', 'routes', i])),
  );
  for (const name of Object.keys(config.trust.routes)) {
    issues.push(...ref('route', name, routes, ['trust', 'routes', name], { atKey: true }));
  }
  config.checks.crs.exclusions.forEach((e, i) =>
    e.routes.forEach((name, j) =>
      issues.push(...ref('route', name, routes, ['checks', 'crs', 'exclusions', i, 'routes', j])),
    ),
  );
  return issues;
};

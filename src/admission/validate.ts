// Cross-field rules for checks.budgets and checks.admission: the tiers and routes they name must exist, and
// there must be a compile route for them to act on.
import { unknownName } from '../config/names.js';
import type { ConfigPath } from '../config/positions.js';
import type { SemanticIssue, SemanticRule } from '../config/semantic.js';

export const budgetAndAdmissionNamesExist: SemanticRule = (config) => {
  const tiers = new Set(Object.keys(config.rate_limits.tiers));
  const routes = new Set(config.routes.map((r) => r.name));
  const issues: SemanticIssue[] = [];
  const need = (kind: string, name: string, known: ReadonlySet<string>, path: ConfigPath, atKey = false): void => {
    if (!known.has(name)) issues.push({ path, message: unknownName(kind, name, known), ...(atKey ? { atKey } : {}) });
  };
  const b = config.checks.budgets;
  if (b.mode !== 'off') {
    // The shipped default tiers are reported only where written: a config without one of them is not wrong.
    for (const tier of Object.keys(b.tiers)) {
      if (!tiers.has(tier)) {
        issues.push({
          path: ['checks', 'budgets', 'tiers', tier],
          message: unknownName('tier', tier, tiers),
          atKey: true,
          ifWritten: true,
        });
      }
    }
    b.routes?.forEach((r, i) => need('route', r, routes, ['checks', 'budgets', 'routes', i]));
    // Budgets are charged from compile outcomes, which only a route with a `compile` block learns: without one
    // the check would be built for nothing and charge nobody, silently.
    const compileRoutes = new Set(config.routes.filter((r) => r.compile !== undefined).map((r) => r.name));
    if (b.routes === undefined && compileRoutes.size === 0) {
      issues.push({
        path: ['checks', 'budgets', 'mode'],
        message:
          'budgets are charged with compile outcomes, and no route has a `compile` block: add `compile: {}` to ' +
          'the compile route (or set checks.budgets.mode: off)',
      });
    }
    b.routes?.forEach((r, i) => {
      if (routes.has(r) && !compileRoutes.has(r)) {
        issues.push({
          path: ['checks', 'budgets', 'routes', i],
          message: `route ${JSON.stringify(r)} has no \`compile\` block: its compiles have no outcome to charge (add \`compile: {}\` to it)`,
        });
      }
    });
  }
  const a = config.checks.admission;
  if (a.mode !== 'off') {
    a.priority.forEach((t, i) => {
      if (!tiers.has(t)) {
        issues.push({
          path: ['checks', 'admission', 'priority', i],
          message: unknownName('tier', t, tiers),
          ifWritten: true,
        });
      }
    });
    for (const tier of Object.keys(a.max_share)) {
      if (!tiers.has(tier)) {
        issues.push({
          path: ['checks', 'admission', 'max_share', tier],
          message: unknownName('tier', tier, tiers),
          atKey: true,
          ifWritten: true,
        });
      }
    }
    a.routes?.forEach((r, i) => need('route', r, routes, ['checks', 'admission', 'routes', i]));
    // Without routes named, admission guards the routes with a `compile` block: none would leave it idle, silently.
    if (a.routes === undefined && !config.routes.some((r) => r.compile !== undefined)) {
      issues.push({
        path: ['checks', 'admission', 'mode'],
        message:
          'admission guards the routes with a `compile` block, and there is none: add `compile: {}` to the ' +
          'compile route, or name routes in checks.admission.routes (or set checks.admission.mode: off)',
      });
    }
  }
  return issues;
};

// Cross-field rules for checks.budgets and checks.admission: the tiers and routes they name must exist.
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
  }
  return issues;
};

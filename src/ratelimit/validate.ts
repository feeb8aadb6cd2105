// Cross-field rules for rate_limits: a limit may only name routes that exist.
import { unknownName } from '../config/names.js';
import type { SemanticRule } from '../config/semantic.js';

export const limitRoutesExist: SemanticRule = (config) => {
  if (config.rate_limits.mode === 'off') return [];
  const routes = new Set(config.routes.map((r) => r.name));
  const issues: ReturnType<SemanticRule>[number][] = [];
  for (const [tier, t] of Object.entries(config.rate_limits.tiers)) {
    t.limits.forEach((l, i) => {
      (l.routes ?? []).forEach((r, j) => {
        if (!routes.has(r)) {
          issues.push({
            path: ['rate_limits', 'tiers', tier, 'limits', i, 'routes', j],
            message: unknownName('route', r, routes),
          });
        }
      });
    });
  }
  return issues;
};

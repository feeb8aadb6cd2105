// Semantic checks of a schema-valid config: rules that span several fields. One small function per rule;
// a module with its own cross-field rules adds its function to `semanticRules`.
import type { GatewayConfig } from './schema.js';
import { limitRoutesExist } from '../ratelimit/validate.js';
import { formatPath } from './positions.js';
import { signatureRoutesExist, tierNamesExist } from './names.js';
import { budgetAndAdmissionNamesExist } from '../admission/validate.js';

import type { SemanticIssue, SemanticRule } from './semantic.js';

export type { SemanticIssue, SemanticRule } from './semantic.js';

/** Route names label metrics and events, so two routes with one name would merge their numbers. */
export const uniqueRouteNames: SemanticRule = (config) => {
  const seen = new Map<string, number>();
  const issues: SemanticIssue[] = [];
  config.routes.forEach((route, i) => {
    const first = seen.get(route.name);
    if (first === undefined) {
      seen.set(route.name, i);
      return;
    }
    issues.push({
      path: ['routes', i, 'name'],
      message: `duplicate route name "${route.name}" (already used by ${formatPath(['routes', first])})`,
    });
  });
  return issues;
};

/** Inspecting bodies with a zero byte budget would refuse every request that has one. */
export const inspectedBodyNeedsRoom: SemanticRule = (config) =>
  config.routes.flatMap((route, i) =>
    route.inspect_body && route.max_body_bytes === 0
      ? [
          {
            path: ['routes', i, 'max_body_bytes'],
            message: 'max_body_bytes is 0 but inspect_body is true: every request with a body would be refused',
          },
        ]
      : [],
  );

/** A challenge threshold at or above the deny threshold could never challenge. */
export const challengeBelowDeny: SemanticRule = (config) =>
  config.routes.flatMap((route, i) =>
    route.challenge_score !== undefined && route.challenge_score >= route.deny_score
      ? [
          {
            path: ['routes', i, 'challenge_score'],
            message: `challenge_score (${route.challenge_score}) must be below deny_score (${route.deny_score})`,
          },
        ]
      : [],
  );

export const semanticRules: readonly SemanticRule[] = [
  uniqueRouteNames,
  inspectedBodyNeedsRoom,
  challengeBelowDeny,
  limitRoutesExist,
  tierNamesExist,
  signatureRoutesExist,
  budgetAndAdmissionNamesExist,
];

/** Runs every rule; the result is empty for a sound config. */
export function validateSemantics(
  config: GatewayConfig,
  rules: readonly SemanticRule[] = semanticRules,
): SemanticIssue[] {
  return rules.flatMap((rule) => rule(config));
}

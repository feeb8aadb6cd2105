// Exclusions from gateway.yaml resolved against the loaded rules: per route, the rule ids that are off
// everywhere (left out of that route's compiled set) and the ones off for some fields only.
import { closest } from '../config/messages.js';
import type { ExclusionConfig } from './config.js';
import type { RuleSpec } from './rule.js';

export interface RouteExclusions {
  /** Rule ids off for the whole request on this route. */
  readonly disabled: ReadonlySet<string>;
  /** Rule id -> field (or header) names it is off for. */
  readonly byField: ReadonlyMap<string, ReadonlySet<string>>;
}

export function ruleIdsOf(e: ExclusionConfig, rules: readonly RuleSpec[], extraIds: readonly string[]): Set<string> {
  const ids = new Set<string>();
  const all = [...rules.map((r) => r.id), ...extraIds];
  for (const pattern of e.rules) {
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      for (const id of all) if (id.startsWith(prefix)) ids.add(id);
    } else ids.add(pattern);
  }
  for (const tag of e.tags) for (const r of rules) if (r.tags.includes(tag)) ids.add(r.id);
  return ids;
}

export function resolveExclusions(
  exclusions: readonly ExclusionConfig[],
  route: string | null,
  rules: readonly RuleSpec[],
  extraIds: readonly string[],
): RouteExclusions {
  const disabled = new Set<string>();
  const byField = new Map<string, Set<string>>();
  for (const e of exclusions) {
    if (e.routes.length > 0 && (route === null || !e.routes.includes(route))) continue;
    const ids = ruleIdsOf(e, rules, extraIds);
    for (const id of ids) {
      if (e.fields.length === 0) disabled.add(id);
      else {
        const set = byField.get(id) ?? new Set<string>();
        for (const f of e.fields) set.add(f);
        byField.set(id, set);
      }
    }
  }
  return { disabled, byField };
}

/** Config problems: exclusions naming rules or tags that do not exist (typos would silently do nothing). */
export function unknownExclusionNames(
  exclusions: readonly ExclusionConfig[],
  rules: readonly RuleSpec[],
  extraIds: readonly string[],
): { readonly path: readonly (string | number)[]; readonly message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const ids = [...new Set([...rules.map((r) => r.id), ...extraIds])];
  const idSet = new Set(ids);
  const tags = [...new Set(rules.flatMap((r) => r.tags))];
  exclusions.forEach((e, i) => {
    e.rules.forEach((r, j) => {
      const known = r.endsWith('*') ? ids.some((id) => id.startsWith(r.slice(0, -1))) : idSet.has(r);
      if (!known) problems.push({ path: [i, 'rules', j], message: `no rule "${r}"${hint(r, ids)}` });
    });
    e.tags.forEach((t, j) => {
      if (!tags.includes(t))
        problems.push({ path: [i, 'tags', j], message: `no rule has the tag "${t}"${hint(t, tags)}` });
    });
  });
  return problems;
}

/** ` (did you mean "x"?)` when a known name is close; the lists are too long to print whole. */
function hint(name: string, known: readonly string[]): string {
  const near = closest(name.endsWith('*') ? name.slice(0, -1) : name, known);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

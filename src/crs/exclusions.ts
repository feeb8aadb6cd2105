// The gateway's CRS exclusions (`checks.crs.exclusions`) as the ctl actions CRS's own exclusion rules would
// run (ruleRemoveById / ruleRemoveTargetById / ...ByTag), compiled once per route.
import RE2 from 're2';
import { parseTargets } from './variables.js';
import { KNOWN_VARIABLES } from './input.js';
import { parseIdRanges } from './compile.js';
import type { Ctl, IdRange, Target } from './rule.js';
import type { CrsExclusionConfig } from './config.js';

export interface RouteCtls {
  forRoute(route: string | null): readonly Ctl[];
}

const NONE: readonly Ctl[] = Object.freeze([]);

function exactTag(tag: string): RE2 {
  return new RE2(`^${tag.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`, '');
}

/** `title` -> ARGS:title (and ARGS_NAMES is left alone: the name is not the value); else a SecLang target. */
function targetsOf(field: string): Target[] {
  if (/^[A-Z_]+:/.test(field)) {
    const { targets, error } = parseTargets(field);
    if (error !== null || targets.length !== 1 || !KNOWN_VARIABLES.has(targets[0]!.name)) {
      throw new Error(`not a CRS target: ${field}`);
    }
    const t = targets[0]!;
    const keyRe = t.key !== null && t.keyIsRegex ? new RE2(t.key, 'i') : null;
    return [{ name: t.name, key: t.keyIsRegex || t.key === null ? null : t.key.toLowerCase(), keyRe, count: false }];
  }
  const key = field.toLowerCase();
  return ['ARGS', 'ARGS_GET', 'ARGS_POST'].map((name) => ({ name, key, keyRe: null, count: false }));
}

function ctlsOf(e: CrsExclusionConfig): Ctl[] {
  const out: Ctl[] = [];
  const ids: IdRange[] = parseIdRanges(e.rules.join(' ')) ?? [];
  const tags = e.tags.map(exactTag);
  if (e.fields.length === 0) {
    if (ids.length > 0) out.push({ kind: 'ruleRemoveById', ids });
    for (const tag of tags) out.push({ kind: 'ruleRemoveByTag', tag });
    return out;
  }
  for (const f of e.fields) {
    for (const target of targetsOf(f)) {
      if (ids.length > 0) out.push({ kind: 'ruleRemoveTargetById', ids, target });
      for (const tag of tags) out.push({ kind: 'ruleRemoveTargetByTag', tag, target });
    }
  }
  return out;
}

/** Throws (a config error at the caller) on a field that is not a target. */
export function exclusionCtls(exclusions: readonly CrsExclusionConfig[]): RouteCtls {
  if (exclusions.length === 0) return { forRoute: () => NONE };
  const everywhere: Ctl[] = [];
  const byRoute = new Map<string, Ctl[]>();
  for (const e of exclusions) {
    const ctls = ctlsOf(e);
    if (e.routes.length === 0) everywhere.push(...ctls);
    else for (const r of e.routes) byRoute.set(r, [...(byRoute.get(r) ?? []), ...ctls]);
  }
  const frozen = new Map<string, readonly Ctl[]>();
  for (const [r, ctls] of byRoute) frozen.set(r, Object.freeze([...everywhere, ...ctls]));
  const all = Object.freeze(everywhere);
  return { forRoute: (route) => (route === null ? all : (frozen.get(route) ?? all)) };
}

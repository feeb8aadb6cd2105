// Compiles loaded rules for one paranoia level and exclusion set: one RE2 per rule, grouped by the segment
// set they read (code, web, raw body) and their transform chain, with one combined alternation per group as
// the prefilter. Per request a group costs one RE2 call; its rules run only when the prefilter hits.
import type RE2 from 're2';
import { sharedRe2, WeakCache } from './compile-cache.js';
import { buildSplitPrefilter, type SubPrefilter } from './prefilter.js';
import { parsePattern, type Item } from './regex-items.js';
import type { RuleSpec } from './rule.js';
import { chainTrigger, TRANSFORMS, type Transform, type Trigger } from './transforms/index.js';

/** Target kinds as bits, so a segment's relevance to a rule is one AND. */
export const KIND = Object.freeze({ code: 1, fields: 2, body: 4, query: 8, path: 16, headers: 32 });
export type KindName = keyof typeof KIND;

export type SegmentSet = 'code' | 'web' | 'body';

export interface CompiledRule {
  readonly spec: RuleSpec;
  readonly re: RE2;
  readonly kinds: number;
  /** `field:NAME` targets: these field names, code or not. */
  readonly fieldNames: ReadonlySet<string> | null;
  readonly critical: boolean;
  readonly monitor: boolean;
}

export interface Group {
  readonly set: SegmentSet;
  readonly chainKey: string;
  readonly chain: readonly Transform[];
  /** True when the chain starts by percent-decoding, so a separate decoded view adds nothing. */
  readonly decodesUrl: boolean;
  readonly prefilter: RE2;
  /** The same prefilter in parts that each start with a literal, for long texts (prefilter.ts). */
  readonly split: readonly SubPrefilter[];
  readonly rules: readonly CompiledRule[];
  readonly kinds: number;
  readonly fieldNames: ReadonlySet<string> | null;
  /** When this misses a text, the chain leaves it unchanged (null: the chain always runs). */
  readonly trigger: Trigger | null;
  /**
   * True when no rule of the group can match the separator that joins texts: the prefilter then runs once
   * over all of a request's texts joined. Rules that match every separator are kept in a group of their
   * own, run text by text.
   */
  readonly joinable: boolean;
  /** What joins texts: '\n' (so `^` and `$` hold at each text), or U+0001 for rules matching line breaks. */
  readonly separator: string;
}

export interface RuleSet {
  readonly rules: readonly CompiledRule[];
  readonly code: readonly Group[];
  readonly web: readonly Group[];
  readonly body: readonly Group[];
}

const WEB_KINDS = KIND.fields | KIND.query | KIND.path | KIND.headers;

/** Compiled rules by their spec's content (positions included), and each one's serial for set keys. */
const rulesBySource = new WeakCache<CompiledRule>();
const serials = new WeakMap<CompiledRule, number>();
let nextSerial = 1;
/** Rule sets by the serials of their active rules, in order: what a set is built from, nothing else. */
const ruleSets = new WeakCache<RuleSet>();

/** Each spec's source key, computed once (the loader hands out the same spec while its file is unchanged). */
const sourceKeys = new WeakMap<RuleSpec, string>();

/** The compiled form of a rule; the same object for a rule whose every field is unchanged. */
export function compileRule(spec: RuleSpec): CompiledRule {
  let key = sourceKeys.get(spec);
  if (key === undefined) {
    // A spec is a frozen record of strings, numbers and lists built in a fixed key order: its JSON is its source.
    key = JSON.stringify(spec);
    sourceKeys.set(spec, key);
  }
  return rulesBySource.get(key, () => {
    const made = buildRule(spec);
    serials.set(made, nextSerial++);
    return made;
  });
}

function buildRule(spec: RuleSpec): CompiledRule {
  let kinds = 0;
  const names: string[] = [];
  for (const t of spec.targets) {
    if (t.startsWith('field:')) names.push(t.slice(6));
    else kinds |= KIND[t as KindName];
  }
  return Object.freeze({
    spec,
    re: sharedRe2(spec.pattern, spec.ignoreCase ? 'iu' : 'u'),
    kinds,
    fieldNames: names.length > 0 ? new Set(names) : null,
    critical: spec.severity === 'CRITICAL',
    monitor: spec.mode === 'monitor',
  });
}

function setsOf(r: CompiledRule): SegmentSet[] {
  const sets: SegmentSet[] = [];
  if (r.kinds & KIND.code || r.fieldNames) sets.push('code');
  if (r.kinds & WEB_KINDS || r.fieldNames) sets.push('web');
  if (r.kinds & KIND.body) sets.push('body');
  return sets;
}

function alternative(spec: RuleSpec): string {
  return spec.ignoreCase ? `(?i:${spec.pattern})` : `(?:${spec.pattern})`;
}

/** Texts a rule must not match (the separator between characters) for its group to join texts. */
const SEPARATOR_PROBES = ['', 'a@a', ' @ ', '0@0', '@@', '/@/', '-@-', ':@:', '"@"'];
/** U+0001 joins texts for rules that match a line break (`[\r\n]`): valid only without `^` or `$`. */
const SEPARATORS = ['\n', '\u0001'];

function separatorSafe(r: CompiledRule, sep: string): boolean {
  if (sep !== '\n' && !anchorFree(r.spec.pattern)) return false;
  return !SEPARATOR_PROBES.some((p) => {
    r.re.lastIndex = 0;
    return r.re.test(p === '' ? sep : p.replace(/@/g, sep));
  });
}

/** True when the pattern has no `^` or `$` (anywhere: those joined by U+0001 would not see text edges). */
function anchorFree(pattern: string): boolean {
  try {
    const walk = (alts: readonly (readonly Item[])[]): boolean =>
      alts.every((a) => a.every((it) => (it.kind === 'group' ? walk(it.alts) : it.src !== '^' && it.src !== '$')));
    return walk(parsePattern(pattern));
  } catch {
    return false;
  }
}

function buildGroup(
  set: SegmentSet,
  chainKey: string,
  rules: CompiledRule[],
  joinable: boolean,
  separator: string,
  shownText: boolean,
): Group {
  // CRITICAL enforce rules first: the first of them that matches ends the inspection.
  rules = [...rules].sort((a, b) => Number(b.critical && !b.monitor) - Number(a.critical && !a.monitor));
  // With shown_text on, `tex` leaves out text TeX only shows. The chain key stays `tex`: within one engine
  // every group and the positive model read the same variant (segments.ts caches texts by key).
  const chain =
    chainKey === '' ? [] : chainKey.split(',').map((n) => TRANSFORMS.get(shownText && n === 'tex' ? 'tex_shown' : n)!);
  let kinds = 0;
  const names = new Set<string>();
  for (const r of rules) {
    kinds |= r.kinds;
    if (r.fieldNames) for (const n of r.fieldNames) names.add(n);
  }
  return Object.freeze({
    set,
    chainKey,
    chain: Object.freeze(chain),
    decodesUrl: chain[0]?.name === 'url',
    // Multi-line: texts are joined with '\n' for the prefilter, and `^`/`$` must still hit at each text.
    prefilter: sharedRe2(rules.map((r) => alternative(r.spec)).join('|'), 'mu'),
    split: buildSplitPrefilter(rules.map((r) => r.spec)),
    rules: Object.freeze(rules),
    kinds,
    fieldNames: names.size > 0 ? names : null,
    trigger: chainTrigger(chain),
    joinable,
    separator,
  });
}

/**
 * Compiles the rules that run at `paranoia` and are not `disabled` (ids). The same active rules give the
 * very same rule set, whichever route profile, engine or reload asks while one is alive.
 */
export function compileRuleSet(
  specs: readonly RuleSpec[],
  paranoia: number,
  disabled: ReadonlySet<string>,
  shownText = false,
): RuleSet {
  const active: CompiledRule[] = [];
  for (const spec of specs) {
    if (spec.paranoia > paranoia || disabled.has(spec.id)) continue;
    active.push(compileRule(spec));
  }
  // Rules marked `confidence: attack` run first (stable otherwise): inspection stops at the first CRITICAL
  // match, and a decoy rule matched earlier must not hide the attack from automatic blocks.
  active.sort((a, b) => attackFirst(a) - attackFirst(b));
  const key = active.map((r) => serials.get(r)).join(',') + (shownText ? '|shown' : '');
  return ruleSets.get(key, () => buildRuleSet(active, shownText));
}

const attackFirst = (r: CompiledRule): number => (r.spec.confidence === 'attack' ? 0 : 1);

function buildRuleSet(active: readonly CompiledRule[], shownText: boolean): RuleSet {
  const grouped = new Map<string, CompiledRule[]>();
  for (const r of active) {
    for (const set of setsOf(r)) {
      const key = `${set}|${r.spec.transforms.join(',')}`;
      const list = grouped.get(key) ?? [];
      list.push(r);
      grouped.set(key, list);
    }
  }
  const bySet: Record<SegmentSet, Group[]> = { code: [], web: [], body: [] };
  for (const [key, rules] of grouped) {
    const [set, chainKey] = key.split('|') as [SegmentSet, string];
    let left = rules;
    for (const sep of SEPARATORS) {
      const safe = left.filter((r) => separatorSafe(r, sep));
      if (safe.length > 0) bySet[set].push(buildGroup(set, chainKey, safe, true, sep, shownText));
      left = left.filter((r) => !safe.includes(r));
    }
    if (left.length > 0) bySet[set].push(buildGroup(set, chainKey, left, false, '\n', shownText));
  }
  return Object.freeze({
    rules: Object.freeze(active),
    code: Object.freeze(bySet.code),
    web: Object.freeze(bySet.web),
    body: Object.freeze(bySet.body),
  });
}

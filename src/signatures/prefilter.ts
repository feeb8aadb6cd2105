// The split prefilter of a rule group, for long texts: one RE2 for every alternative that starts with a
// backslash, one per entry literal (alternatives sharing a literal share it), one per digit-run length, and
// one for what has no entry. Each RE2 starts with a literal, so RE2 skips to its occurrences instead of
// reading every byte. Where that skip is slow (case-insensitive literals, digit runs) a cheap test runs
// first: a character every match holds (indexOf), or the literal or digit run alone (a fixed-length
// JavaScript regex, linear). A hit names the rules to run; a text no part hits is clean. See
// prefilter-plan.ts for why this loses nothing.
import type RE2 from 're2';
import { sharedRe2 } from './compile-cache.js';
import { planPattern, type Entry, type NearRun, type Plan } from './prefilter-plan.js';
import type { RuleSpec } from './rule.js';

export interface SubPrefilter {
  /** What the entries share (`\\`, a literal, `digits:5`, `always`): for tests and tuning. */
  readonly label: string;
  readonly re: RE2;
  /** A character every match holds ('' none): the text must contain it. */
  readonly need: string;
  /** Tested on the text before `re` (linear: fixed length, no repetition); null: none. */
  readonly gate: RegExp | null;
  /**
   * Digit parts whose every alternative has a bounded tail (prefilter-plan.ts): `near`, the tails' RE2, runs
   * only next to each number run `finder` (the gate, global) finds, `after` code units past it; null: `re`
   * runs over the whole text.
   */
  readonly near: { readonly re: RE2; readonly finder: RegExp; readonly before: number; readonly after: number } | null;
  /** Indices of the group's rules this part covers. */
  readonly rules: readonly number[];
}

interface Part {
  readonly source: string;
  readonly rule: number;
  readonly chars: string;
  /** Digit parts: how to look for the alternative next to number runs, when that is known. */
  readonly near?: NearRun | undefined;
}

const keyOf = (literal: string, ci: boolean): string => (ci ? `i:${literal.toLowerCase()}` : `c:${literal}`);

/** Shorter entries shared with other alternatives must be at least this long to be used. */
const MIN_SHARED_LITERAL = 6;

/** A plan's usable entries by key: its whole literal, and shorter ones worth sharing. */
function entryKeys(plan: Plan): Map<string, Entry> {
  const keys = new Map<string, Entry>();
  plan.entries.forEach((e, i) => {
    if (i === 0 || e.literal.length >= MIN_SHARED_LITERAL) keys.set(keyOf(e.literal, plan.ci), e);
  });
  return keys;
}

/** Entry literals for the literal plans: greedily the literal most of them share (longer on ties). */
function chooseLiterals(plans: readonly { plan: Plan; rule: number }[]): Map<string, Part[]> {
  const out = new Map<string, Part[]>();
  let left = plans.map((p) => ({ ...p, keys: entryKeys(p.plan) }));
  while (left.length > 0) {
    const count = new Map<string, number>();
    for (const p of left) for (const k of p.keys.keys()) count.set(k, (count.get(k) ?? 0) + 1);
    let best = '';
    for (const [k, c] of count) {
      const b = count.get(best) ?? 0;
      if (c > b || (c === b && k.length > best.length)) best = k;
    }
    const parts: Part[] = [];
    for (const p of left) {
      const e = p.keys.get(best);
      if (e !== undefined) parts.push({ source: e.source, rule: p.rule, chars: p.plan.chars });
    }
    out.set(best, parts);
    left = left.filter((p) => !p.keys.has(best));
  }
  return out;
}

/** Characters rarely seen in ordinary TikZ and without case: worth an indexOf before an RE2 call. */
const RARE = /[:;|&#<>"'`?@~*+%]/;

/** A character every part holds, preferring rare ones ('' when none is rare). */
function needOf(parts: readonly Part[]): string {
  const first = parts[0]!.chars;
  for (const c of first) if (RARE.test(c) && parts.every((p) => p.chars.includes(c))) return c;
  return '';
}

/** `literal` matched the way RE2 folds case (s also matches ſ, k also K), as a plain JavaScript regex. */
function foldedLiteral(literal: string): RegExp | null {
  if (!/^[\x20-\x7e]+$/.test(literal)) return null;
  const fold = (c: string): string => {
    const lo = c.toLowerCase();
    if (lo === c.toUpperCase()) return '^$\\.*+?()[]{}|/'.includes(c) ? `\\${c}` : c;
    const extra = lo === 's' ? 'ſ' : lo === 'k' ? '\u212a' : '';
    return `[${lo}${lo.toUpperCase()}${extra}]`;
  };
  return new RegExp([...literal].map(fold).join(''));
}

function sub(label: string, parts: readonly Part[], gate: RegExp | null, digits = 0): SubPrefilter {
  // Multi-line, like the group's own prefilter: texts may be joined by line breaks.
  const re = sharedRe2(parts.map((p) => `(?:${p.source})`).join('|'), 'mu');
  const rules = Object.freeze([...new Set(parts.map((p) => p.rule))].sort((a, b) => a - b));
  let near: SubPrefilter['near'] = null;
  if (digits > 0 && parts.every((p) => p.near !== undefined)) {
    const nears = parts.map((p) => p.near!);
    near = Object.freeze({
      re: sharedRe2(nears.map((t) => `(?:${t.source})`).join('|'), 'mu'),
      // `\d\d\d` rather than `\d{3}`: V8 runs the spelled-out form several times faster (measured)
      finder: new RegExp('\\d'.repeat(digits), 'g'),
      before: Math.max(...nears.map((t) => t.before)),
      after: Math.max(...nears.map((t) => t.after)),
    });
  }
  return Object.freeze({ label, re, need: needOf(parts), gate, rules, near });
}

/** Builds the split prefilter of a group's rules (given in the group's order). */
export function buildSplitPrefilter(rules: readonly RuleSpec[]): readonly SubPrefilter[] {
  const escape: Part[] = [];
  const always: Part[] = [];
  const digits = new Map<number, Part[]>();
  const literal: { plan: Plan; rule: number }[] = [];
  rules.forEach((r, rule) => {
    for (const plan of planPattern(r.pattern, r.ignoreCase)) {
      const part = { source: plan.source, rule, chars: plan.chars, near: plan.near };
      if (plan.kind === 'escape') escape.push(part);
      else if (plan.kind === 'always') always.push(part);
      else if (plan.kind === 'digits') digits.set(plan.digits, [...(digits.get(plan.digits) ?? []), part]);
      else literal.push({ plan, rule });
    }
  });
  const out: SubPrefilter[] = [];
  if (escape.length > 0) out.push(sub('\\', escape, null));
  // Literals of fixed case that start with the same character share one RE2: it stops at that character
  // once for all of them. RE2 skips fast to a literal of fixed case only; a case-insensitive one is looked
  // for first here.
  const byFirst = new Map<string, { label: string; parts: Part[] }>();
  for (const [key, parts] of chooseLiterals(literal)) {
    if (key.startsWith('i:')) {
      out.push(sub(key.slice(2), parts, foldedLiteral(key.slice(2))));
      continue;
    }
    const first = String.fromCodePoint(key.codePointAt(2)!);
    const slot = byFirst.get(first) ?? { label: '', parts: [] };
    slot.label += (slot.label === '' ? '' : '|') + key.slice(2);
    slot.parts.push(...parts);
    byFirst.set(first, slot);
  }
  for (const { label, parts } of byFirst.values()) out.push(sub(label, parts, null));
  for (const [n, parts] of digits) out.push(sub(`digits:${n}`, parts, new RegExp('\\d'.repeat(n)), n));
  if (always.length > 0) out.push(sub('always', always, null));
  return Object.freeze(out);
}

/**
 * Which rules of the split prefilter may match `text` (its UTF-8 bytes `buf`): their indices in the
 * group's order, each once, or null when none may.
 */
export function splitHits(split: readonly SubPrefilter[], text: string, buf: Buffer): number[] | null {
  let hits: number[] | null = null;
  for (const s of split) {
    if (s.need !== '' && text.indexOf(s.need) === -1) continue;
    if (s.near !== null) {
      // its finder is the gate
      if (!nearRuns(s.near, s.re, text, buf)) continue;
    } else {
      if (s.gate !== null && !s.gate.test(text)) continue;
      if (!s.re.test(buf)) continue;
    }
    hits ??= [];
    for (const r of s.rules) hits.push(r);
  }
  if (hits === null || hits.length < 2) return hits;
  return [...new Set(hits)].sort((a, b) => a - b);
}

/** A digit or a dot: what a number run is made of. */
function numberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46;
}

/**
 * A digit part run only next to each number run its finder finds: from `before` code units ahead of the run to
 * `after` past its end (prefilter-plan.ts's NearRun: the items next to the digit item that match digits and
 * dots stay in the run, the rest is bounded). Every match of the part holds a match of one of these patterns
 * inside such a window, so none is missed; window edges may let `^` or `\b` match where the whole text would
 * not, which only runs the rules. When the windows cover much of the text, one pass over it costs less.
 */
function nearRuns(near: NonNullable<SubPrefilter['near']>, whole: RE2, text: string, buf: Buffer): boolean {
  const n = text.length;
  const { finder, before, after } = near;
  const windows: number[] = [];
  let covered = 0;
  finder.lastIndex = 0;
  for (let m = finder.exec(text); m !== null; m = finder.exec(text)) {
    let from = m.index;
    while (from > 0 && numberChar(text.charCodeAt(from - 1))) from--;
    let to = m.index + m[0].length;
    while (to < n && numberChar(text.charCodeAt(to))) to++;
    finder.lastIndex = to;
    from = Math.max(0, from - before);
    to = Math.min(n, to + after);
    const last = windows.length - 1;
    if (last >= 1 && from <= windows[last]!) {
      covered += Math.max(0, to - windows[last]!);
      windows[last] = Math.max(windows[last]!, to);
    } else {
      windows.push(from, to);
      covered += to - from;
    }
    if (covered * 2 > n) return whole.test(buf);
  }
  // Plain ASCII (the usual diagram): code units are bytes, so the windows are views of the bytes, not new strings.
  const ascii = buf.length === n;
  for (let i = 0; i < windows.length; i += 2) {
    const a = windows[i]!;
    const b = windows[i + 1]!;
    if (near.re.test(ascii ? buf.subarray(a, b) : text.slice(a, b))) return true;
  }
  return false;
}

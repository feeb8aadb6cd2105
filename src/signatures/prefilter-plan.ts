// How a rule can be looked for cheaply in a long text. RE2 skips through a text at memory speed to the next
// occurrence of a literal that starts every match (its prefix acceleration), but reads every byte through
// its automaton (about 1.3 ns a byte here) otherwise. So each alternative of a rule's pattern is given an
// entry: a literal every match contains, the pattern from that literal on being a looser pattern (every
// match of the alternative contains a match of it). Alternatives that start with a backslash share one
// prefilter; others are grouped by their literal; those without a useful literal but a run of digits are
// gated by a digit-run test; the rest are always run. Dropping the part before the entry only loosens.
import { PatternSyntaxError } from '../core/errors.js';
import { parsePattern, type Item } from './regex-items.js';
import { inNumberRun, maxUnits } from './regex-extent.js';

export type PlanKind = 'escape' | 'literal' | 'digits' | 'always';

/** One way in: a literal the alternative's matches contain and the looser pattern that starts with it. */
export interface Entry {
  readonly literal: string;
  readonly source: string;
}

export interface NearRun {
  readonly source: string;
  readonly before: number;
  readonly after: number;
}

export interface Plan {
  readonly kind: PlanKind;
  /** `literal`: the possible entries, longest literal first (later ones start later in the same literal). */
  readonly entries: readonly Entry[];
  /** `escape`, `digits`, `always`: the pattern to run (an entry's for `literal`). */
  readonly source: string;
  /** The literal is matched ignoring case. */
  readonly ci: boolean;
  /** `digits`: every match holds this many digits in a row. */
  readonly digits: number;
  /**
   * `digits`, when known: a pattern every match of the alternative holds a match of (the alternative itself,
   * or from its longest digit item on when what comes first is unbounded: dropping a prefix only loosens),
   * and how many code units before and after the number run (digits and dots) holding that digit item its
   * matches can reach. Lets the prefilter run it only next to each number run (prefilter.ts).
   */
  readonly near?: NearRun;
  /** Characters every match of the alternative holds (its literal characters). */
  readonly chars: string;
}

/** Distribution of a leading alternation over what follows: at most this deep and this many alternatives. */
const MAX_DISTRIBUTION_DEPTH = 2;
const MAX_ALTERNATIVES = 24;

interface Ctx {
  readonly flags: string;
  readonly ci: boolean;
}

function wrap(ctx: Ctx, body: string): string {
  const inner = ctx.ci ? `(?i:${body})` : body;
  return ctx.flags === '' ? inner : `(?${ctx.flags})${inner}`;
}

const srcOf = (items: readonly Item[], from = 0): string =>
  items
    .slice(from)
    .map((it) => it.src)
    .join('');

function always(ctx: Ctx, items: readonly Item[]): Plan {
  return { kind: 'always', entries: [], source: wrap(ctx, srcOf(items)), ci: ctx.ci, digits: 0, chars: '' };
}

interface Run {
  readonly text: string;
  /** Item index and offset in `text` of each item that starts a possible entry. */
  readonly starts: readonly { readonly item: number; readonly at: number }[];
}

/** Maximal runs of literal characters every match holds contiguously (assertions are zero-width). */
function literalRuns(items: readonly Item[]): Run[] {
  const runs: Run[] = [];
  let text = '';
  let starts: { item: number; at: number }[] = [];
  const end = () => {
    if (text !== '') runs.push({ text, starts });
    text = '';
    starts = [];
  };
  items.forEach((it, k) => {
    if (it.kind === 'assert') return;
    if (it.kind !== 'char' || it.min < 1) return end();
    starts.push({ item: k, at: text.length });
    text += it.ch.repeat(it.min);
    if (it.max !== it.min) end();
  });
  end();
  return runs;
}

function planSequence(ctx: Ctx, items: readonly Item[]): Plan & { score: number } {
  if (items.some((it) => it.kind === 'flags')) return { ...always(ctx, items), score: 0 };
  const runs = literalRuns(items);
  const chars = [...new Set(runs.map((r) => r.text).join(''))].join('');
  const first = items.findIndex((it) => it.kind !== 'assert');
  const lead = first === -1 ? undefined : items[first];
  if (lead !== undefined && lead.kind === 'char' && lead.ch === '\\' && lead.min === 1 && lead.max === 1) {
    // Backslash first: case has no bearing on it, so it stays outside `(?i:)` and RE2 sees a common prefix.
    const rest = srcOf(items, first + 1);
    const body = ctx.ci ? `\\\\(?i:${rest})` : `\\\\${rest}`;
    const source = ctx.flags === '' ? body : `(?${ctx.flags})${body}`;
    return { kind: 'escape', entries: [], source, ci: ctx.ci, digits: 0, chars, score: Infinity };
  }
  let best: Run | null = null;
  for (const r of runs) if (best === null || r.text.length > best.text.length) best = r;
  let digits = 0;
  for (const it of items) if (it.kind === 'other' && it.digit && it.min > digits) digits = it.min;
  const literalScore = best?.text.length ?? 0;
  const digitScore = digits >= 3 ? digits - 1 : 0;
  if (best !== null && literalScore >= digitScore) {
    const entries = best.starts.map((s) => ({
      literal: best.text.slice(s.at),
      source: wrap(ctx, srcOf(items, s.item)),
    }));
    const source = entries[0]!.source;
    return { kind: 'literal', entries, source, ci: ctx.ci, digits: 0, chars, score: literalScore };
  }
  if (digitScore > 0) {
    const source = wrap(ctx, srcOf(items));
    return {
      kind: 'digits',
      entries: [],
      source,
      ci: ctx.ci,
      digits,
      near: nearOf(ctx, items, digits),
      chars,
      score: digitScore,
    };
  }
  return { ...always(ctx, items), chars, score: 0 };
}

/**
 * How to look for a digit alternative next to number runs: the items next to its digit item that stay in the
 * run (digits, dots) add no reach; what lies beyond must be bounded after it, and is dropped before it when
 * unbounded there.
 */
function nearOf(ctx: Ctx, items: readonly Item[], digits: number): NearRun | undefined {
  const k = items.findIndex((it) => it.kind === 'other' && it.digit && it.min === digits);
  if (k === -1) return undefined;
  let j = k + 1;
  while (j < items.length && inNumberRun(items[j]!)) j++;
  const after = maxUnits(items.slice(j));
  if (!Number.isFinite(after)) return undefined;
  let i = k;
  while (i > 0 && inNumberRun(items[i - 1]!)) i--;
  const before = maxUnits(items.slice(0, i));
  if (Number.isFinite(before)) return { source: wrap(ctx, srcOf(items)), before, after };
  return { source: wrap(ctx, srcOf(items, k)), before: 0, after };
}

/** Alternatives of `items` with its first plain alternation group distributed (null: none to distribute). */
function distribute(items: readonly Item[]): Item[][] | null {
  const k = items.findIndex((it) => it.kind === 'group');
  if (k === -1) return null;
  const g = items[k]!;
  if (g.min !== 1 || g.max !== 1 || g.flags !== '' || g.alts.length < 2) return null;
  return g.alts.map((alt) => [...items.slice(0, k), ...alt, ...items.slice(k + 1)]);
}

function planAlternative(ctx: Ctx, items: readonly Item[], depth: number, budget: { left: number }): Plan[] {
  const plan = planSequence(ctx, items);
  if (plan.kind === 'escape' || depth >= MAX_DISTRIBUTION_DEPTH) return [plan];
  const alts = distribute(items);
  if (alts === null || alts.length > budget.left) return [plan];
  budget.left -= alts.length;
  const sub = alts.flatMap((a) => planAlternative(ctx, a, depth + 1, budget));
  // Backslash-led alternatives cost nothing more (one prefilter serves them all); otherwise distributing
  // pays only for a weak entry (short literal), and only into a few alternatives.
  if (sub.every((p) => p.kind === 'escape')) return sub;
  const worst = Math.min(...sub.map(scoreOf));
  return plan.score < 4 && worst > plan.score && sub.length <= 3 ? sub : [plan];
}

function scoreOf(p: Plan): number {
  if (p.kind === 'escape') return Infinity;
  if (p.kind === 'literal') return p.entries[0]!.literal.length;
  if (p.kind === 'digits') return p.digits - 1;
  return 0;
}

/**
 * The plans of a pattern: together they cover every alternative, so a text the pattern matches is matched
 * by the source of at least one plan (and passes its digit test). A pattern this reader does not follow
 * gets one `always` plan: the pattern itself.
 */
export function planPattern(pattern: string, ignoreCase: boolean): Plan[] {
  const whole = (): Plan => ({
    kind: 'always',
    entries: [],
    source: ignoreCase ? `(?i:${pattern})` : `(?:${pattern})`,
    ci: ignoreCase,
    digits: 0,
    chars: '',
  });
  let alts: Item[][];
  try {
    alts = parsePattern(pattern);
  } catch (e) {
    if (e instanceof PatternSyntaxError) return [whole()];
    throw e;
  }
  // Flags set at the very start hold for the whole pattern; set anywhere else, the pattern is run as is.
  const lead = alts[0]!;
  let n = 0;
  while (n < lead.length && lead[n]!.kind === 'flags') n++;
  const flags = lead
    .slice(0, n)
    .map((it) => it.flags)
    .join('');
  if (!/^[is]*$/.test(flags)) return [whole()];
  alts[0] = lead.slice(n);
  if (alts.some((a) => a.some((it) => it.kind === 'flags'))) return [whole()];
  const ctx: Ctx = { flags: flags.replace(/i/g, ''), ci: ignoreCase || flags.includes('i') };
  const budget = { left: MAX_ALTERNATIVES };
  return alts.flatMap((a) => planAlternative(ctx, a, 0, budget));
}

// The compile-cost estimate of TikZ code: the work a diagram asks TeX for, from its text alone, as the sum
// over top-level constructs of the products of what multiplies (docs/cost.md). Pure and linear in the text:
// one pass of the cost reader (reader.ts), and a second over the TeX normaliser's output only when the text
// spells something in a way only the normaliser resolves (`\let` aliases, `\csname`, `^^` carets).
import type { CostTerm } from '../core/cost.js';
import type { DecodedField } from '../core/decoded.js';
import { texNormalise } from '../signatures/transforms/tex.js';
import { urlDecode } from '../signatures/transforms/url.js';
import { CONSTRUCTS } from './constructs.js';
import { CostReader, isWordChar, type ReaderOptions } from './reader.js';

export type EstimateOptions = ReaderOptions;

export interface TextCost {
  readonly units: number;
  /** Per construct (CONSTRUCTS order): the sum of its top-level contributions. */
  readonly totals: readonly number[];
  /** Characters looked at (the linearity tests hold it to a multiple of the length). */
  readonly steps: number;
  /** The text was read through the TeX normaliser. */
  readonly normalised: boolean;
}

function sum(a: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Percent signs (percents): one right after a letter or digit, a comment that may join two halves of a word. */
const P_JOINS = 1;
/** One that starts a percent escape (url.ts hasPercentEscape: `%XX`, `%uXXXX`): the text has a decoded view. */
const P_ESCAPE = 2;

function hex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * What the `%` signs from `from` (the first) on are, in one look at each (P_JOINS | P_ESCAPE): a `%` right after
 * a letter or digit anywhere, in a list or a key's value too (the reader's main pass does not see those), is a
 * comment that may join two halves of a word or number (`sam%⏎ples` is `samples` to TeX); one followed as
 * url.ts hasPercentEscape says makes a decoded view (the same answer as it, which the estimate called apart).
 */
function percents(text: string, from: number): number {
  let p = 0;
  const n = text.length;
  for (let i = from; i !== -1; i = text.indexOf('%', i + 1)) {
    if (i > 0 && isWordChar(text.charCodeAt(i - 1))) p |= P_JOINS;
    if (i < n - 2) {
      const c = text.charCodeAt(i + 1);
      if ((hex(c) && hex(text.charCodeAt(i + 2))) || ((c | 32) === 117 && i + 5 < n)) p |= P_ESCAPE;
    }
    if (p === (P_JOINS | P_ESCAPE)) break;
  }
  return p;
}

/** Whether the text estimateText read last has a percent escape (percents; estimateView asks right after). */
let lastEscape = false;

/**
 * A category code may be changed: `%` may then be an ordinary character (`\catcode`\%=12`, `\@makeother\%`,
 * `\dospecials` with `\do` made `\@makeother`), and what follows it on its line is TeX to run, not a comment.
 */
const CATCODE_CHANGE = /\\(?:catcode|@?makeother|dospecials)/;

/**
 * The one reader every estimate uses, reset per text: estimation is synchronous, and a reader with its
 * settings and scopes cost more to make than a small diagram costs to read. Results are copied out of it
 * (`totals`) and it lets go of the text when done, so nothing of one call reaches the next.
 */
const reader = new CostReader('', { defaultBound: 1 });

/**
 * Reads `text` with the shared reader; true when what it counted is the text's estimate as it is (nothing only
 * the normaliser resolves: the totals are the reader's until it is reset or released), false when the text must
 * also be read normalised. Sets lastEscape.
 */
function readPlain(text: string, options: EstimateOptions): boolean {
  const r = reader.reset(text, options).run();
  // the first `%` and any carets (`^^`, in a loop's list too: `{1,...,^^31^^30}`), the reader found as it read
  const pct = r.firstPercent;
  const p = pct === -1 ? 0 : percents(text, pct);
  lastEscape = (p & P_ESCAPE) !== 0;
  // a comment in a list or a value (`{1,...,1000%⏎00000}`) is one the main pass did not see
  return !r.needsNormalising && (p & P_JOINS) === 0;
}

/** The estimate of one text. */
export function estimateText(text: string, options: EstimateOptions): TextCost {
  const r = reader;
  if (readPlain(text, options)) {
    const c = { units: sum(r.totals), totals: r.totals.slice(), steps: r.steps, normalised: false };
    r.release();
    return c;
  }
  // the reading just done found the first `%` (the reset below clears it)
  const pct = r.firstPercent;
  let steps = r.steps;
  const norm = reader.reset(texNormalise(text), options, true).run();
  let best = norm.totals.slice();
  steps += norm.steps;
  // the normaliser takes every `%` for a comment; where a category code may change, the text is also read with
  // `%` as text (the raw text, read as normalised: `%` is then an ordinary character), and the larger counts
  if (pct !== -1 && CATCODE_CHANGE.test(text)) {
    const raw = reader.reset(text, options, true).run();
    steps += raw.steps;
    if (sum(raw.totals) > sum(best)) best = raw.totals.slice();
  }
  reader.release();
  // the normaliser's output is at most 18n + 16 characters (transforms/index.ts): still linear
  return { units: sum(best), totals: best, steps, normalised: true };
}

export interface FieldsCost {
  readonly units: number;
  /** The largest terms, largest first, at most `maxTerms`. */
  readonly breakdown: readonly CostTerm[];
}

const NONE: FieldsCost = Object.freeze({ units: 0, breakdown: Object.freeze([]) });

/** A text's estimate, and its percent-decoded view's when it has escapes (the larger; the signatures read both). */
function estimateView(text: string, options: EstimateOptions): TextCost {
  const c = estimateText(text, options);
  if (!lastEscape) return c;
  const d = estimateText(urlDecode(text), options);
  return d.units > c.units ? d : c;
}

/**
 * The estimate of a request's code fields: units summed over field names, terms per construct and field, largest
 * first. A field sent several times (a JSON array, a repeated form field) may be joined by the service before it
 * compiles, a loop cut in two included: its pieces count as the larger of their sum and the pieces joined (as
 * they are, and by line breaks), as the signatures read them (segments.ts).
 */
export function estimateFields(fields: readonly DecodedField[], options: EstimateOptions, maxTerms = 8): FieldsCost {
  // one code field (most requests): no names to count, no pieces
  if (fields.length === 1) {
    const f = fields[0]!;
    if (!f.code) return NONE;
    // read as it is, with no decoded view (most texts): the terms straight from the reader's totals
    if (readPlain(f.value, options) && !lastEscape) {
      const totals = reader.totals;
      const t = addTerms(null, f.name, totals);
      const u = sum(totals);
      reader.release();
      return t === null ? NONE : result(u, t, maxTerms);
    }
    // else as any text is (read again: the view's steps, the normalised reading, the decoded view)
    const c = estimateView(f.value, options);
    const t = addTerms(null, f.name, c.totals);
    return t === null ? NONE : result(c.units, t, maxTerms);
  }
  let units = 0;
  let terms: CostTerm[] | null = null;
  const add = (name: string, c: TextCost) => {
    units += c.units;
    terms = addTerms(terms, name, c.totals);
  };
  // names sent more than once: only counted when the request has several fields
  let times: Map<string, number> | null = null;
  if (fields.length > 1) {
    times = new Map();
    for (const f of fields) if (f.code) times.set(f.name, (times.get(f.name) ?? 0) + 1);
  }
  let pieces: Map<string, string[]> | null = null;
  for (const f of fields) {
    if (!f.code) continue;
    if ((times?.get(f.name) ?? 1) === 1) {
      add(f.name, estimateView(f.value, options));
      continue;
    }
    const list = (pieces ??= new Map()).get(f.name);
    if (list === undefined) pieces.set(f.name, [f.value]);
    else list.push(f.value);
  }
  for (const [name, list] of pieces ?? []) {
    const each = list.map((p) => estimateView(p, options));
    const sum = each.reduce((n, c) => n + c.units, 0);
    const joined = [estimateView(list.join(''), options), estimateView(list.join('\n'), options)];
    const best = joined[0]!.units >= joined[1]!.units ? joined[0]! : joined[1]!;
    if (best.units > sum) add(name, best);
    else for (const c of each) add(name, c);
  }
  if (terms === null) return NONE;
  return result(units, terms, maxTerms);
}

/** `terms` with a term per construct of `totals` above 0 (made when null; null when none). */
function addTerms(terms: CostTerm[] | null, name: string, totals: readonly number[]): CostTerm[] | null {
  for (let k = 0; k < totals.length; k++) {
    const factor = totals[k]!;
    if (factor > 0) insert((terms ??= []), { construct: CONSTRUCTS[k]!, factor: round(factor), field: name });
  }
  return terms;
}

function result(units: number, t: CostTerm[], maxTerms: number): FieldsCost {
  if (t.length > maxTerms) t.length = maxTerms;
  return { units: round(units), breakdown: t };
}

/**
 * Puts a term in its place, largest factor first, after the terms of equal factor (a stable order, as the
 * sort it replaces): a request has a handful of terms, and a comparator sort cost more than the estimate.
 */
function insert(terms: CostTerm[], term: CostTerm): void {
  let i = terms.length;
  terms.push(term);
  while (i > 0 && terms[i - 1]!.factor < term.factor) {
    terms[i] = terms[i - 1]!;
    i--;
  }
  terms[i] = term;
}

/** Three significant decimals are plenty for an estimate (and keep events short). */
function round(x: number): number {
  return x >= 1000 ? Math.round(x) : Math.round(x * 1000) / 1000;
}

// The compile-cost estimate of TikZ code: the work a diagram asks TeX for, from its text alone, as the sum
// over top-level constructs of the products of what multiplies (docs/cost.md). Pure and linear in the text:
// one pass of the cost reader (reader.ts), and a second over the TeX normaliser's output only when the text
// spells something in a way only the normaliser resolves (`\let` aliases, `\csname`, `^^` carets).
import type { CostTerm } from '../core/cost.js';
import type { DecodedField } from '../core/decoded.js';
import { texNormalise } from '../signatures/transforms/tex.js';
import { CONSTRUCTS } from './constructs.js';
import { CostReader, type ReaderOptions } from './reader.js';

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

/** The estimate of one text. */
export function estimateText(text: string, options: EstimateOptions): TextCost {
  const r = new CostReader(text, options).run();
  if (!r.needsNormalising) return { units: sum(r.totals), totals: r.totals, steps: r.steps, normalised: false };
  const again = new CostReader(texNormalise(text), options).run();
  // the normaliser's output is at most 18n + 16 characters (transforms/index.ts): still linear
  return { units: sum(again.totals), totals: again.totals, steps: r.steps + again.steps, normalised: true };
}

export interface FieldsCost {
  readonly units: number;
  /** The largest terms, largest first, at most `maxTerms`. */
  readonly breakdown: readonly CostTerm[];
}

const NONE: FieldsCost = Object.freeze({ units: 0, breakdown: Object.freeze([]) });

/** The estimate of a request's code fields: units summed, terms per construct and field, largest first. */
export function estimateFields(fields: readonly DecodedField[], options: EstimateOptions, maxTerms = 8): FieldsCost {
  let units = 0;
  let terms: CostTerm[] | null = null;
  for (const f of fields) {
    if (!f.code) continue;
    const c = estimateText(f.value, options);
    units += c.units;
    for (let k = 0; k < c.totals.length; k++) {
      const factor = c.totals[k]!;
      if (factor > 0) insert((terms ??= []), { construct: CONSTRUCTS[k]!, factor: round(factor), field: f.name });
    }
  }
  if (terms === null) return NONE;
  if (terms.length > maxTerms) terms.length = maxTerms;
  return { units: round(units), breakdown: terms };
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

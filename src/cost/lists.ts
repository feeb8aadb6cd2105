// How many items a `\foreach` list (or a `samples at` list) runs over: items between top-level commas, with
// `a,...,z` and `a,b,...,z` ranges (numbers, macros or single letters) counted as PGF counts them.
import { evaluate, type Lookup } from './numbers.js';

/** A count the estimate treats as "never ends" (a range whose step is zero, a loop with no test). */
export const UNBOUNDED = 1e15;

function trimFrom(t: string, i: number, to: number): number {
  while (i < to && t.charCodeAt(i) <= 32) i++;
  return i;
}

function trimTo(t: string, from: number, j: number): number {
  while (j > from && t.charCodeAt(j - 1) <= 32) j--;
  return j;
}

/** The value of one item: a number, an expression or macro, or a single letter (its character code). */
function itemValue(t: string, from: number, to: number, lookup: Lookup): number {
  if (to - from === 1) {
    const c = t.charCodeAt(from);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) return c;
  }
  return to > from ? evaluate(t, from, to, lookup) : NaN;
}

export interface ListCount {
  readonly count: number;
  /** Some range end or step was not known (a macro nobody defined, an argument `#1`): `unknown` was assumed. */
  readonly unknown: boolean;
  /** The last item's value (a loop variable's largest value, for ranges that read it), NaN when not a number. */
  readonly last: number;
  /** Characters looked at. */
  readonly steps: number;
}

/**
 * Counts the items of `t.slice(from, to)` (the list without its braces). A range whose ends are not known
 * counts `unknown` items, never zero.
 */
export function countList(t: string, from: number, to: number, lookup: Lookup, unknown: number): ListCount {
  let count = 0;
  let missing = false;
  // the two items before the current one (start, end), -1 when none
  let s1 = -1;
  let e1 = -1;
  let s2 = -1;
  let e2 = -1;
  let pending = false;
  let a = NaN;
  let a0 = NaN;
  let depth = 0;
  let start = from;
  let last = NaN;
  for (let i = from; i <= to; i++) {
    const c = i < to ? t.charCodeAt(i) : 44;
    if (c === 123 || c === 40 || c === 91) depth++;
    else if (c === 125 || c === 41 || c === 93) depth--;
    if (c !== 44 || (depth > 0 && i < to)) continue;
    const s = trimFrom(t, start, i);
    const e = trimTo(t, s, i);
    start = i + 1;
    if (e === s) continue;
    if (e - s === 3 && t.startsWith('...', s)) {
      pending = true;
      a = s1 === -1 ? NaN : itemValue(t, s1, e1, lookup);
      a0 = s2 === -1 ? NaN : itemValue(t, s2, e2, lookup);
      if (s1 === -1) a = 1; // `{...,10}`: PGF starts at 1
      continue;
    }
    if (pending) {
      pending = false;
      const b = itemValue(t, s, e, lookup);
      last = b;
      if (Number.isNaN(a) || Number.isNaN(b)) {
        count += unknown;
        missing = true;
      } else {
        const d = Number.isNaN(a0) ? (b >= a ? 1 : -1) : a - a0;
        if (d === 0 || !Number.isFinite(d)) count += UNBOUNDED;
        else count += Math.max(0, Math.floor((b - a) / d + 1e-9));
      }
      // a range's end is not the start of the next range (`1,...,5,...,9` steps from 5 by 1)
      s1 = s;
      e1 = e;
      s2 = -1;
      e2 = -1;
      continue;
    }
    count++;
    last = NaN;
    s2 = s1;
    e2 = e1;
    s1 = s;
    e1 = e;
  }
  if (pending) {
    count += unknown;
    missing = true;
  }
  if (Number.isNaN(last) && s1 !== -1) last = itemValue(t, s1, e1, lookup);
  return { count: Math.min(count, UNBOUNDED), unknown: missing, last, steps: to - from + 1 };
}

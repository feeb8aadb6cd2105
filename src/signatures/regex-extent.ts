// How far a match can reach past a run of digits, read from a pattern's items (regex-items.ts): what lets the
// split prefilter look for a digit-led rule only next to each run of digits instead of over the whole text.
// Anything this reader is not sure of counts as unbounded (Infinity).
import type { Item } from './regex-items.js';

/** Whether every character one repetition of the item can match is a digit or a '.' (the "number run"). */
export function inNumberRun(it: Item): boolean {
  switch (it.kind) {
    case 'assert':
      return true;
    case 'char':
      return it.ch === '.' || (it.ch >= '0' && it.ch <= '9');
    case 'other':
      return it.digit;
    case 'group':
      return it.flags === '' && it.alts.every((alt) => alt.every(inNumberRun));
    default:
      return false;
  }
}

/**
 * Most UTF-16 code units a match of the items can span (Infinity: no bound). One repetition of a character or
 * a class is one code point: two units at most.
 */
export function maxUnits(items: readonly Item[]): number {
  let n = 0;
  for (const it of items) {
    let one: number;
    if (it.kind === 'assert') continue;
    if (it.kind === 'flags') return Infinity;
    if (it.kind === 'group') {
      one = 0;
      for (const alt of it.alts) one = Math.max(one, maxUnits(alt));
    } else one = 2;
    if (one === 0) continue;
    n += one * it.max;
  }
  return n;
}

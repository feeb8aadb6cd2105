// A small reader of RE2 pattern syntax, enough to see a pattern as alternatives of item sequences: literal
// characters, zero-width assertions, groups, and everything else as opaque items, each with its repetition
// and its exact source text. The prefilter planner (prefilter-plan.ts) uses it to find, in every alternative,
// a literal or a digit run any match must contain. Anything it does not understand is opaque, never guessed.
import { PatternSyntaxError } from '../core/errors.js';

export interface Item {
  /** The item's source, repetition included: concatenating items' sources rebuilds the pattern. */
  readonly src: string;
  readonly kind: 'char' | 'assert' | 'group' | 'flags' | 'other';
  /** For `char`: the character (one code point). */
  readonly ch: string;
  /** For `other`: true when it is exactly a decimal digit class (`\d`, `[0-9]`). */
  readonly digit: boolean;
  readonly min: number;
  /** Infinity when unbounded. */
  readonly max: number;
  /** For `group`: its alternatives; `flags`: the group sets flags (`(?i:...)`) or is a flag item `(?s)`. */
  readonly alts: readonly (readonly Item[])[];
  readonly flags: string;
}

const ESCAPED_CHARS: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };

/** Reads `pattern` into its top-level alternatives. Throws PatternSyntaxError on what it does not support. */
export function parsePattern(pattern: string): Item[][] {
  const r = new Reader(pattern);
  const alts = r.alternation();
  if (r.i !== pattern.length) throw new PatternSyntaxError(`unbalanced ')' at ${r.i}`);
  return alts;
}

class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  alternation(): Item[][] {
    const alts: Item[][] = [[]];
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ')') break;
      if (c === '|') {
        this.i++;
        alts.push([]);
        continue;
      }
      alts[alts.length - 1]!.push(this.item());
    }
    return alts;
  }

  private item(): Item {
    const start = this.i;
    const s = this.s;
    const c = s[this.i]!;
    let kind: Item['kind'] = 'other';
    let ch = '';
    let digit = false;
    let alts: Item[][] = [];
    let flags = '';
    if (c === '\\') {
      const e = s[this.i + 1];
      if (e === undefined) throw new PatternSyntaxError('trailing backslash');
      this.i += 2;
      if ('bBAz'.includes(e)) kind = 'assert';
      else if (e === 'd') digit = true;
      else if ('DsSwWC'.includes(e)) kind = 'other';
      else if (e === 'p' || e === 'P') this.i = s[this.i] === '{' ? this.closing('}', this.i) + 1 : this.i + 1;
      else if (e === 'x') {
        let hex: string;
        if (s[this.i] === '{') {
          const end = this.closing('}', this.i);
          hex = s.slice(this.i + 1, end);
          this.i = end + 1;
        } else {
          hex = s.slice(this.i, this.i + 2);
          this.i += 2;
        }
        if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) throw new PatternSyntaxError(`bad \\x escape at ${start}`);
        kind = 'char';
        ch = String.fromCodePoint(parseInt(hex, 16));
      } else if (e in ESCAPED_CHARS) {
        kind = 'char';
        ch = ESCAPED_CHARS[e]!;
      } else if (e === 'Q' || /[0-9A-Za-z]/.test(e)) {
        throw new PatternSyntaxError(`unsupported escape \\${e} at ${start}`);
      } else {
        kind = 'char';
        ch = e;
      }
    } else if (c === '[') {
      this.i = this.classEnd(this.i);
      const body = s.slice(start, this.i);
      digit = body === '[0-9]' || body === '[\\d]';
    } else if (c === '(') {
      this.i++;
      if (s[this.i] === '?') {
        this.i++;
        if (s[this.i] === 'P' || s[this.i] === '<') {
          this.i = this.closing('>', this.i) + 1; // named capture
        } else {
          const m = /^[imsU-]*/.exec(s.slice(this.i))![0];
          this.i += m.length;
          if (s[this.i] === ')') {
            this.i++;
            return this.finish(start, 'flags', '', false, [], m);
          }
          if (s[this.i] !== ':') throw new PatternSyntaxError(`unsupported group at ${start}`);
          this.i++;
          flags = m;
        }
      }
      alts = this.alternation();
      if (s[this.i] !== ')') throw new PatternSyntaxError(`missing ')' for ${start}`);
      this.i++;
      kind = 'group';
    } else if (c === '^' || c === '$') {
      this.i++;
      kind = 'assert';
    } else if (c === '.') {
      this.i++;
    } else if (c === '*' || c === '+' || c === '?' || c === ')') {
      throw new PatternSyntaxError(`unexpected '${c}' at ${start}`);
    } else {
      const cp = s.codePointAt(this.i)!;
      ch = String.fromCodePoint(cp);
      this.i += ch.length;
      kind = 'char';
    }
    return this.finish(start, kind, ch, digit, alts, flags);
  }

  /** Reads an optional repetition after an item and builds it. */
  private finish(start: number, kind: Item['kind'], ch: string, digit: boolean, alts: Item[][], flags: string): Item {
    const s = this.s;
    let min = 1;
    let max = 1;
    const q = s[this.i];
    if (q === '*' || q === '+' || q === '?') {
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : Infinity;
      this.i++;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (m !== null) {
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length;
      }
    }
    if ((min !== 1 || max !== 1) && s[this.i] === '?') this.i++; // non-greedy
    if ((min !== 1 || max !== 1) && (kind === 'assert' || kind === 'flags'))
      throw new PatternSyntaxError(`repeated assertion at ${start}`);
    return { src: s.slice(start, this.i), kind, ch, digit, min, max, alts, flags };
  }

  private closing(ch: string, from: number): number {
    const end = this.s.indexOf(ch, from);
    if (end === -1) throw new PatternSyntaxError(`missing '${ch}' after ${from}`);
    return end;
  }

  /** The index after the `]` closing the class that opens at `at`. */
  private classEnd(at: number): number {
    const s = this.s;
    let i = at + 1;
    if (s[i] === '^') i++;
    if (s[i] === ']') i++; // a leading ']' is literal
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\') i += 2;
      else if (c === '[' && s[i + 1] === ':') {
        const end = s.indexOf(':]', i + 2);
        if (end === -1) throw new PatternSyntaxError(`bad class at ${at}`);
        i = end + 2;
      } else if (c === ']') return i + 1;
      else i++;
    }
    throw new PatternSyntaxError(`missing ']' for ${at}`);
  }
}

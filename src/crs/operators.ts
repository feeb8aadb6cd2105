// SecLang operators (`@rx`, `@pm`, `@eq` ...) compiled once at load; per request only `match` runs. Regexes and
// phrase lists run on RE2 (linear time, no catastrophic backtracking on a client's text).
import type RE2 from 're2';
import { sharedRe2 } from '../signatures/compile-cache.js';
import { buildCidrSet } from '../net/cidr.js';
import { normaliseIp } from '../net/ip.js';
import { requiredAtoms } from './atoms.js';

/** What a match may capture (TX:0..9 with `capture`). */
export type Captures = readonly string[] | null;

export interface Operator {
  readonly name: string;
  /** Expands macros in the argument per request when it has any (`@ge %{tx.threshold}`). */
  readonly dynamic: boolean;
  /**
   * Returns captures (possibly empty) on a match, null on none. `arg` is the expanded argument when dynamic;
   * `capture` false lets a regex answer with test(), which allocates nothing.
   */
  match(value: string, arg: string, capture?: boolean): Captures | null;
  /**
   * Whether the operator matches the value's UTF-8 bytes (what RE2 reads of the string), when it can answer
   * from them without captures; null when it cannot. Handing node-re2 a buffer made once per value saves
   * converting the string again for every regex that reads it (crs/engine.ts).
   */
  readonly matchBytes: ((bytes: Buffer) => boolean) | null;
  /**
   * Literals one of which (ASCII case ignored) every matching value contains, or null: the engine skips
   * `match` on a value that holds none (crs/gates.ts). Only ever loosens: never skips a possible match.
   */
  readonly atoms: readonly string[] | null;
}

export class UnsupportedOperator extends Error {}

const NONE: readonly string[] = Object.freeze([]);

/** The leading integer of a value, as ModSecurity reads it (0 when there is none). */
const toInt = (s: string): number => {
  // Most values (TX counters, lengths) are plain digits: read without a regex.
  const n = s.length;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === n) return v;
  }
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
};

/** Bounds of what `@within` keeps: values per argument, arguments, and the longest value and argument kept. */
const WITHIN_VALUES = 256;
const WITHIN_ARGS = 32;
const WITHIN_MAX_VALUE = 128;
const WITHIN_MAX_ARG = 4096;

/**
 * `@within`: the argument contains the value (an empty value is within everything, as in ModSecurity). Its
 * argument is mostly a list the setup wrote once (`%{tx.restricted_headers_basic}`: `/proxy/ /if/ ...`), read
 * for a request's few header names, method and content type, which repeat; a search for `/host/` in such a list
 * stops at every `/` and costs more than a lookup. So the answer for a (list, value) is kept, within bounds (a
 * map that reaches its bound starts again empty), and a long value or list is searched every time.
 */
function withinOperator(dynamic: boolean): Operator {
  const byArg = new Map<string, Map<string, boolean>>();
  return simple('within', dynamic, (v, a) => {
    if (v.length > WITHIN_MAX_VALUE || a.length > WITHIN_MAX_ARG) return a.includes(v);
    let answers = byArg.get(a);
    if (answers === undefined) {
      if (byArg.size >= WITHIN_ARGS) byArg.clear();
      byArg.set(a, (answers = new Map()));
    }
    let r = answers.get(v);
    if (r === undefined) {
      if (answers.size >= WITHIN_VALUES) answers.clear();
      answers.set(v, (r = a.includes(v)));
    }
    return r;
  });
}

/** A numeric comparison; a constant argument is read once, at load. */
function numeric(name: string, dynamic: boolean, arg: string, cmp: (a: number, b: number) => boolean): Operator {
  if (dynamic) return simple(name, true, (v, a) => cmp(toInt(v), toInt(a)));
  const b = toInt(arg);
  return simple(name, false, (v) => cmp(toInt(v), b));
}

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Latin1 (byte) view of a UTF-8 string: the same bytes the engine matches against. */
export function bytesOf(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/** Many phrases, any of which matches as a case-insensitive substring: one RE2 alternation. */
function phraseMatcher(phrases: readonly string[]): RE2 | null {
  const uniq = [...new Set(phrases.filter((p) => p.length > 0).map((p) => bytesOf(p).toLowerCase()))];
  if (uniq.length === 0) return null;
  // Longest first, so the capture names the longest phrase at a position (as Aho-Corasick reports it).
  uniq.sort((a, b) => b.length - a.length);
  return sharedRe2(`(?i)(?:${uniq.map(escapeRe).join('|')})`, '');
}

/** `^.*$` under `s` matches every value whole (920450 reads each header name so): no regex call needed. */
const MATCH_ALL = '^.*$';

function rxOperator(arg: string): Operator {
  if (arg === MATCH_ALL) {
    return {
      name: 'rx',
      dynamic: false,
      atoms: null,
      matchBytes: () => true,
      match: (value, _arg, capture) => (capture === true ? [value] : NONE),
    };
  }
  let re: RE2;
  try {
    re = sharedRe2(arg, 's');
  } catch (e) {
    throw new UnsupportedOperator(`@rx does not compile on RE2: ${(e as Error).message}`);
  }
  return {
    name: 'rx',
    dynamic: false,
    atoms: requiredAtoms(arg),
    matchBytes: (bytes) => re.test(bytes),
    match(value, _arg, capture) {
      if (capture !== true) return re.test(value) ? NONE : null;
      const m = re.exec(value);
      if (m === null) return null;
      const caps: string[] = [];
      for (let i = 0; i < m.length && i < 10; i++) caps.push(m[i] ?? '');
      return caps;
    },
  };
}

/**
 * A phrase list's atoms: each phrase itself when ASCII, else its longest run of ASCII characters (every match
 * of `http://①⑥⑨...` holds `http://`: no character a byte string can hold folds to an ASCII letter but an
 * ASCII one, so ASCII case folding is RE2's here). Null when some phrase has no ASCII at all: RE2 decides alone.
 */
function phraseAtoms(phrases: readonly string[]): readonly string[] | null {
  const atoms = new Set<string>();
  for (const p of phrases) {
    if (p.length === 0) continue;
    const b = bytesOf(p).toLowerCase();
    let best = '';
    for (const run of b.split(/[\x80-\uffff]+/)) if (run.length > best.length) best = run;
    if (best === '') return null;
    atoms.add(best);
  }
  return atoms.size === 0 ? null : [...atoms];
}

function pmOperator(name: string, phrases: readonly string[]): Operator {
  const re = phraseMatcher(phrases);
  return {
    name,
    dynamic: false,
    atoms: phraseAtoms(phrases),
    matchBytes: re === null ? () => false : (bytes) => re.test(bytes),
    match(value) {
      if (re === null) return null;
      const m = re.exec(value);
      return m === null ? null : [m[0]];
    },
  };
}

function simple(name: string, dynamic: boolean, f: (v: string, arg: string) => boolean): Operator {
  return { name, dynamic, atoms: null, matchBytes: null, match: (v, a) => (f(v, a) ? NONE : null) };
}

/** `1-255,9,10`: the allowed bytes; a value with any other byte matches. */
function byteRanges(arg: string): Uint8Array {
  const ok = new Uint8Array(256);
  for (const part of arg.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(t);
    if (m === null) throw new UnsupportedOperator(`@validateByteRange: bad range ${JSON.stringify(t)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > 255 || b > 255 || a > b) throw new UnsupportedOperator(`@validateByteRange: bad range ${t}`);
    for (let i = a; i <= b; i++) ok[i] = 1;
  }
  return ok;
}

function invalidUrlEncoding(v: string): boolean {
  for (let i = v.indexOf('%'); i !== -1; i = v.indexOf('%', i + 1)) {
    if (i + 2 >= v.length) return true;
    if (!/^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) return true;
  }
  return false;
}

function invalidUtf8(v: string): boolean {
  if (!/[\x80-\xff]/.test(v)) return false;
  const b = Buffer.from(v, 'latin1');
  // Overlong forms, surrogates and code points past U+10FFFF are all invalid to isUtf8.
  return !Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/**
 * Compiles `@name arg`. `readData` reads a `@pmFromFile` file (relative to the rule's file). Throws
 * UnsupportedOperator for what the engine cannot run (the loader records the rule id, never skips silently).
 */
export function compileOperator(name: string, arg: string, readData: (file: string) => string): Operator {
  const dynamic = arg.includes('%{');
  switch (name.toLowerCase()) {
    case 'rx':
      if (dynamic) throw new UnsupportedOperator('@rx with a macro argument');
      return rxOperator(arg);
    case 'pm':
      return pmOperator('pm', arg.split(/\s+/));
    case 'pmf':
    case 'pmfromfile': {
      const phrases: string[] = [];
      for (const f of arg.split(/\s+/).filter((x) => x !== '')) {
        for (const line of readData(f).split(/\r?\n/)) {
          const t = line.trim();
          if (t !== '' && !t.startsWith('#')) phrases.push(t);
        }
      }
      return pmOperator('pmFromFile', phrases);
    }
    case 'streq':
      return simple('streq', dynamic, (v, a) => v === a);
    case 'contains':
      return simple('contains', dynamic, (v, a) => v.includes(a));
    case 'containsword':
      return simple('containsWord', dynamic, (v, a) => new RegExp(`(?:^|\\W)${escapeRe(a)}(?:\\W|$)`).test(v));
    case 'beginswith':
      return simple('beginsWith', dynamic, (v, a) => v.startsWith(a));
    case 'endswith':
      return simple('endsWith', dynamic, (v, a) => v.endsWith(a));
    case 'within':
      return withinOperator(dynamic);
    case 'eq':
      return numeric('eq', dynamic, arg, (a, b) => a === b);
    case 'ge':
      return numeric('ge', dynamic, arg, (a, b) => a >= b);
    case 'gt':
      return numeric('gt', dynamic, arg, (a, b) => a > b);
    case 'le':
      return numeric('le', dynamic, arg, (a, b) => a <= b);
    case 'lt':
      return numeric('lt', dynamic, arg, (a, b) => a < b);
    case 'ipmatch': {
      let set;
      try {
        set = buildCidrSet(
          arg
            .split(',')
            .map((x) => x.trim())
            .filter((x) => x !== ''),
        );
      } catch (e) {
        throw new UnsupportedOperator(`@ipMatch: ${(e as Error).message}`);
      }
      return simple('ipMatch', false, (v) => set.has(normaliseIp(v)));
    }
    case 'validatebyterange': {
      const ok = byteRanges(arg);
      return simple('validateByteRange', false, (v) => {
        for (let i = 0; i < v.length; i++) if (ok[v.charCodeAt(i) & 0xff] !== 1) return true;
        return false;
      });
    }
    case 'validateurlencoding':
      return simple('validateUrlEncoding', false, invalidUrlEncoding);
    case 'validateutf8encoding':
      return simple('validateUtf8Encoding', false, invalidUtf8);
    case 'unconditionalmatch':
      return simple('unconditionalMatch', false, () => true);
    case 'nomatch':
      return simple('noMatch', false, () => false);
    default:
      throw new UnsupportedOperator(`operator @${name} is not supported`);
  }
}

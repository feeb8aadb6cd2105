// What the behaviour module reads from a request's code fields: a cheap count over the normalised TeX (tokens,
// loops, nesting), the packages and libraries it loads, and a keyed hash of the normalised source.
import { hash as digest } from 'node:crypto';
import type { DecodedField } from '../core/decoded.js';

export interface RequestFeatures {
  /** Body bytes (0 without a body). */
  readonly size: number;
  /** tokens + 10 × loops + 5 × deepest nesting; -1 when the request carries no code. */
  readonly complexity: number;
  readonly tokens: number;
  readonly loops: number;
  readonly depth: number;
  /** Short ids of the packages and libraries loaded (bounded), for "never used before by this client". */
  readonly packages: readonly string[];
  /** Keyed hash of the normalised source (hex, 128 bits), null without code. */
  readonly source: string | null;
}

/** Control words that loop (each one multiplies work) and that load packages or libraries. */
const LOOP_WORDS: ReadonlySet<string> = new Set([
  'foreach',
  'loop',
  'multido',
  'pgfplotsinvokeforeach',
  'pgfplotsforeachungrouped',
  'whiledo',
  'pgfmathloop',
  'lindenmayersystem',
]);
const LOAD_WORDS: ReadonlySet<string> = new Set([
  'usepackage',
  'RequirePackage',
  'usetikzlibrary',
  'usepgflibrary',
  'usepgfplotslibrary',
]);
/** The first letters of those words: any other control word is passed over without being cut out. */
const FIRST = new Uint8Array(128);
for (const w of [...LOOP_WORDS, ...LOAD_WORDS]) FIRST[w.charCodeAt(0)] = 1;
/** Per request: more packages than this are not looked at (the first ones still are). */
export const MAX_PACKAGES = 16;
/** How far after a loading command its `[options]{names}` are looked for. */
const LOAD_WINDOW = 2000;

/** FNV-1a 32-bit of a name, base 36: a short id that keeps the stored set small (collisions only merge names). */
export function packageId(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 64;
/** ASCII white space and the no-break space: what re-spacing a payload uses. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160;

/** The names in `[options]{a, b}` after a loading command ending at `from`, added to `into` (bounded). */
function addLoaded(s: string, from: number, into: Set<string>): void {
  let i = from;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close === -1 || close - i > LOAD_WINDOW) return;
    i = close + 1;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  }
  if (s.charCodeAt(i) !== 123 /* { */) return;
  const close = s.indexOf('}', i);
  if (close === -1 || close - i > LOAD_WINDOW) return;
  for (const part of s.slice(i + 1, close).split(',')) {
    const name = part.trim();
    if (name !== '' && into.size < MAX_PACKAGES) into.add(packageId(name));
  }
}

/** What one pass over a code field finds. */
interface Scan {
  /** The field with comments removed and white space runs collapsed to one space, trimmed. */
  readonly normal: string;
  readonly tokens: number;
  readonly loops: number;
  readonly depth: number;
}

/**
 * A run of text the pass has nothing to do with: no `\`, brace, `%` or white space but single spaces between
 * other characters. Skipped by the regular expression engine, several times faster than a loop in JavaScript.
 */
const PLAIN = /[^\\{}%\t-\r \u00a0]*(?: [^\\{}%\t-\r \u00a0]+)*/y;

/**
 * One pass: control words (loops and loads among them), the deepest brace nesting, and the normalised text, cut
 * only where a comment or a run of white space other than one space is (a few slices per line). An escaped `%`,
 * `{` or `}` is text. Cheaper than regular expressions over the whole field.
 */
export function scanTex(s: string, packages: Set<string>): Scan {
  const parts: string[] = [];
  let from = 0;
  let tokens = 0;
  let loops = 0;
  let depth = 0;
  let deepest = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      let k = i + 1;
      while (k < n && isLetter(s.charCodeAt(k))) k++;
      if (k === i + 1) {
        i += 2; // a control symbol: \%, \{, \\ ...
        continue;
      }
      tokens++;
      const len = k - i - 1;
      if (len >= 4 && len <= 24 && FIRST[s.charCodeAt(i + 1)] === 1) {
        const word = s.slice(i + 1, k);
        if (LOOP_WORDS.has(word)) loops++;
        else if (LOAD_WORDS.has(word) && packages.size < MAX_PACKAGES) addLoaded(s, k, packages);
      }
      i = k;
    } else if (c === 123 /* { */) {
      if (++depth > deepest) deepest = depth;
      i++;
    } else if (c === 125 /* } */) {
      if (depth > 0) depth--;
      i++;
    } else if (c === 37 /* % */ || isSpace(c)) {
      // white space and comments (to the end of the line) in any mix: one space; a single space stays as it is
      let k = i;
      while (k < n) {
        const d = s.charCodeAt(k);
        if (isSpace(d)) k++;
        else if (d === 37) {
          const eol = s.indexOf('\n', k);
          k = eol === -1 ? n : eol;
        } else break;
      }
      if (k - i > 1 || c !== 32) {
        if (i > from) parts.push(s.slice(from, i));
        parts.push(' ');
        from = k;
      }
      i = k;
    } else {
      PLAIN.lastIndex = i + 1;
      PLAIN.test(s);
      i = PLAIN.lastIndex;
    }
  }
  if (parts.length === 0) return { normal: s.trim(), tokens, loops, depth: deepest };
  if (from < n) parts.push(s.slice(from));
  return { normal: parts.join('').trim(), tokens, loops, depth: deepest };
}

/** The source as a comparison sees it: comments gone, white space collapsed. */
export function normaliseTex(code: string): string {
  return scanTex(code, new Set()).normal;
}

const NO_PACKAGES: readonly string[] = Object.freeze([]);

/**
 * Features of a request from its code fields. `key` keys the source hash (one secret for every instance, so the
 * hashes kept in the store cannot be confirmed against guessed sources by whoever reads the store).
 */
export function requestFeatures(fields: readonly DecodedField[], bodySize: number, key: string): RequestFeatures {
  let tokens = 0;
  let loops = 0;
  let depth = 0;
  let code = 0;
  let packages: Set<string> | null = null;
  // what the hash covers, made as one string: one call of the one-shot hash costs half a streaming Hash's four
  let hashed: string | null = null;
  for (const f of fields) {
    if (!f.code || f.value === '') continue;
    const s = scanTex(f.value, (packages ??= new Set()));
    const norm = s.normal;
    tokens += s.tokens;
    loops += s.loops;
    if (s.depth > depth) depth = s.depth;
    // keyed by a secret prefix (the key's length first, so key and text cannot trade bytes); the field's name
    // is part of what the source is; NUL keeps fields apart
    hashed = `${hashed ?? `${key.length}:${key}\0`}${f.name}\0${norm}\0`;
    code++;
  }
  return {
    size: bodySize,
    complexity: code === 0 ? -1 : tokens + 10 * loops + 5 * depth,
    tokens,
    loops,
    depth,
    packages: packages === null || packages.size === 0 ? NO_PACKAGES : [...packages],
    source: hashed === null ? null : digest('sha256', hashed, 'hex').slice(0, 32),
  };
}

// What the behaviour module reads from a request's code fields: a cheap count over the normalised TeX (tokens,
// loops, nesting), the packages and libraries it loads, and a keyed hash of the normalised source.
import { createHmac } from 'node:crypto';
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

/** Comments (a `%` not escaped, to the end of the line) and every run of white space: what rotating a payload changes. */
const COMMENT = /(^|[^\\])%[^\n]*/g;
const SPACE = /\s+/g;
const LOOPS =
  /\\(?:foreach|loop|multido|pgfplotsinvokeforeach|pgfplotsforeachungrouped|whiledo|pgfmathloop|lindenmayersystem)(?![A-Za-z@])/g;
const LOADS =
  /\\(?:usepackage|RequirePackage|usetikzlibrary|usepgflibrary|usepgfplotslibrary)\s*(?:\[[^\]]{0,200}\])?\s*\{([^}]{1,2000})\}/g;
/** Per request: more packages than this are not looked at (the first ones still are). */
export const MAX_PACKAGES = 16;

/** The source as a comparison sees it: comments gone, white space collapsed. */
export function normaliseTex(code: string): string {
  return code.replace(COMMENT, '$1').replace(SPACE, ' ').trim();
}

/** FNV-1a 32-bit of a name, base 36: a short id that keeps the stored set small (collisions only merge names). */
export function packageId(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

function countLoops(s: string): number {
  LOOPS.lastIndex = 0;
  let n = 0;
  while (LOOPS.exec(s) !== null) n++;
  return n;
}

function addPackages(s: string, into: Set<string>): void {
  if (s.indexOf('\\use') === -1 && s.indexOf('\\Require') === -1) return;
  LOADS.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LOADS.exec(s)) !== null && into.size < MAX_PACKAGES) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim();
      if (name !== '' && into.size < MAX_PACKAGES) into.add(packageId(name));
    }
  }
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 64;

/** One pass: control words and the deepest brace nesting. */
function scan(s: string): { tokens: number; depth: number } {
  let tokens = 0;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      if (i + 1 < s.length && isLetter(s.charCodeAt(i + 1))) tokens++;
      i++; // an escaped brace is no group
    } else if (c === 123 /* { */) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 125 /* } */ && depth > 0) depth--;
  }
  return { tokens, depth: deepest };
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
  let hmac: ReturnType<typeof createHmac> | null = null;
  for (const f of fields) {
    if (!f.code || f.value === '') continue;
    const norm = normaliseTex(f.value);
    const s = scan(norm);
    tokens += s.tokens;
    if (s.depth > depth) depth = s.depth;
    loops += countLoops(norm);
    addPackages(norm, (packages ??= new Set()));
    hmac ??= createHmac('sha256', key);
    // the field's name is part of what the source is; NUL keeps fields apart
    hmac.update(f.name).update('\0').update(norm).update('\0');
    code++;
  }
  return {
    size: bodySize,
    complexity: code === 0 ? -1 : tokens + 10 * loops + 5 * depth,
    tokens,
    loops,
    depth,
    packages: packages === null || packages.size === 0 ? NO_PACKAGES : [...packages],
    source: hmac === null ? null : hmac.digest('hex').slice(0, 32),
  };
}

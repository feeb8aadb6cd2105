// expl3's names for the engine primitives, read as the primitives they copy: under \ExplSyntaxOn `_` and `:` are
// letters, and l3kernel has made `\tex_<name>:D` (older kernels also `\etex_`, `\pdftex_`, `\luatex_`, `\xetex_`,
// `\utex_`) a copy of each primitive, so `\tex_filedump:D {..}` reads a file as `\pdffiledump` does. Read so, every
// rule about a primitive covers its expl3 name too, with no list of expl3 names in the rules.
import { EXPL3_RENAMED } from './expl3-primitives.js';

/** The control words that start such a name when `_` follows them. */
export const EXPL3_PREFIXES: ReadonlySet<string> = new Set(['tex', 'etex', 'pdftex', 'luatex', 'xetex', 'utex']);

const NAME_CHAR = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 58; /* : */

/** Longest expl3 primitive name worth reading (the longest is under 40): keeps the lookahead bounded. */
const MAX_NAME = 64;

/**
 * The primitive `<prefix>_<rest>:D` copies, or null when `name` is not of that form: `prefix` one of
 * EXPL3_PREFIXES, `rest` letters only (no primitive's name has `_`).
 */
export function expl3Primitive(name: string): string | null {
  const us = name.indexOf('_');
  if (us <= 0 || !name.endsWith(':D') || !EXPL3_PREFIXES.has(name.slice(0, us))) return null;
  const rest = name.slice(us + 1, -2);
  if (rest === '' || !/^[A-Za-z]+$/.test(rest)) return null;
  return name.startsWith('tex_') ? (EXPL3_RENAMED.get(rest) ?? rest) : rest;
}

/**
 * Where the expl3 name that goes on at `i` (the `_` after a prefix) ends: letters, `_` and `:` as \ExplSyntaxOn
 * reads them, at most MAX_NAME of them.
 */
export function expl3NameEnd(t: string, i: number): number {
  let j = i + 1;
  const stop = Math.min(t.length, i + MAX_NAME);
  while (j < stop && NAME_CHAR(t.charCodeAt(j))) j++;
  return j;
}

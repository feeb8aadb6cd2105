// Character classes of TeX source as the normaliser reads it (default LaTeX category codes).

export const BACKSLASH = 92;
export const OPEN = 123;
export const CLOSE = 125;
export const PERCENT = 37;
export const TILDE = 126;
export const NUL = 0;
export const FF = 12;
export const FF_NAME = '\f';

/** Characters TeX ignores (category 9: ^^@) do not count in names built from text. */
export function dropIgnored(s: string): string {
  return s.indexOf('\u0000') === -1 ? s : s.split('\u0000').join('');
}

export function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 64;
}

/** 1 for the ASCII characters that end a run of ordinary text (escape, braces, comment, `~`, blanks). */
const BREAKS = new Uint8Array(128);
for (const c of [BACKSLASH, OPEN, CLOSE, PERCENT, TILDE, NUL, 32, 10, 9, 13, 12, 11]) BREAKS[c] = 1;

/** Not whitespace, comment, escape or brace: copied as is. */
export function isOrdinary(c: number): boolean {
  return c >= 128 || BREAKS[c] === 0;
}

/** Letters (and @), optionally one trailing `*`: a name that can be run as a control word. */
export function isPlainWord(name: string): boolean {
  const n = name.charCodeAt(name.length - 1) === 42 ? name.length - 1 : name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!isLetter(name.charCodeAt(i))) return false;
  return true;
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** Characters that make a built name non-literal (something TeX would have to expand or that ends it). */
export function stopsLiteral(c: number): boolean {
  return c === BACKSLASH || c === OPEN || c === CLOSE || c === 35 /* # */ || c === PERCENT || c === 126; /* ~ */
}

/** The hash the normaliser computes while reading a control word (to skip lookups for ordinary names). */
export function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

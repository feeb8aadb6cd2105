// Small named transforms: HTML entities, Unicode NFKC, lower case, whitespace and SQL comment folding.
// Each returns its input itself when nothing changes, and documents how much it may grow the text.

const NAMED: Readonly<Record<string, string>> = Object.freeze({
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  colon: ':',
  sol: '/',
  bsol: '\\',
  lpar: '(',
  rpar: ')',
  tab: '\t',
  newline: '\n',
  nbsp: ' ',
  semi: ';',
  equals: '=',
  num: '#',
  period: '.',
  comma: ',',
  excl: '!',
  grave: '`',
});

const ENTITY = /&(?:#[xX]([0-9a-fA-F]{1,6});?|#([0-9]{1,7});?|([a-zA-Z]{2,8});)/g;

/** `html`: one round of entity decoding (`&lt;`, `&#60;`, `&#x3c;`, with or without `;`). Never grows. */
export function htmlDecode(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY, (all: string, hexDigits?: string, dec?: string, name?: string) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? all;
    const code = hexDigits !== undefined ? parseInt(hexDigits, 16) : parseInt(dec ?? '', 10);
    // Out of range or a lone surrogate: keep the text, it decodes to nothing a browser would run.
    if (!(code >= 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return all;
    return String.fromCodePoint(code);
  });
}

// eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL
const NON_ASCII = /[^\u0000-\u007f]/u;

/** `nfkc`: Unicode compatibility composition (fullwidth `＜` to `<`). At most 18x (U+FDFA). ASCII: unchanged. */
export function nfkc(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  const out = s.normalize('NFKC');
  return out === s ? s : out;
}

/** `lower`: lower case. At most 3x (a few code points lower-case to several). */
export function lower(s: string): string {
  const out = s.toLowerCase();
  return out === s ? s : out;
}

const WS = /\s+/g;
/** What compress_ws changes: a run of two or more blanks, or a blank that is not a plain space. */
export const WS_TRIGGER = /\s\s|[\t\n\r\f\v\u00a0\u2028\u2029]/;

/** `compress_ws`: every whitespace run to one space. Never grows. */
export function compressWhitespace(s: string): string {
  if (!WS_TRIGGER.test(s)) return s;
  return s.replace(WS, ' ');
}

const SQL_COMMENT = /\/\*[\s\S]*?(?:\*\/|$)/g;

/**
 * `sql_comments`: `/* ... *\/` to one space, as `UN/**\/ION` tricks need; MySQL's executed comments
 * (`/*!50000 UNION*\/`) keep their content. Never grows.
 */
export function sqlComments(s: string): string {
  if (s.indexOf('/*') === -1) return s;
  return s.replace(SQL_COMMENT, (c: string) => {
    if (!c.startsWith('/*!')) return ' ';
    const inner = c
      .slice(3)
      .replace(/\*\/$/, '')
      .replace(/^\d{0,6}/, '');
    return ` ${inner} `;
  });
}

/** `remove_nulls`: NUL and other C0 controls but tab/newline removed (they split tokens for some parsers). */
export function removeNulls(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x08\x0b\x0e-\x1f]/.test(s)) return s;
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0e-\x1f]/g, '');
}

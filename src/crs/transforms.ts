// SecLang transformations (`t:urlDecodeUni`, `t:cmdLine` ...) on byte strings (one char per byte, latin1),
// following ModSecurity's documented semantics: values are bytes there, so they are bytes here too.
import { hash as cryptoHash } from 'node:crypto';

export type Transform = (s: string) => string;

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);
const hex2 = (s: string, i: number): number => (hexVal(s.charCodeAt(i)) << 4) | hexVal(s.charCodeAt(i + 1));

/** %uHHHH and \uHHHH: full-width ASCII (U+FF01..U+FF5E) maps to ASCII, anything else keeps its low byte. */
function uniByte(code: number): number {
  if (code >= 0xff01 && code <= 0xff5e) return code - 0xfee0;
  return code & 0xff;
}

function urlDecode(s: string, uni: boolean): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) {
      out += ' ';
    } else if (c === 37) {
      if (
        uni &&
        i + 5 < n &&
        (s[i + 1] === 'u' || s[i + 1] === 'U') &&
        isHex(s.charCodeAt(i + 2)) &&
        isHex(s.charCodeAt(i + 3)) &&
        isHex(s.charCodeAt(i + 4)) &&
        isHex(s.charCodeAt(i + 5))
      ) {
        out += String.fromCharCode(uniByte(parseInt(s.slice(i + 2, i + 6), 16)));
        i += 5;
      } else if (i + 2 < n && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
        out += String.fromCharCode(hex2(s, i + 1));
        i += 2;
      } else {
        out += '%'; // invalid escapes stay as they are
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

const NAMED: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\xa0' };

function htmlEntityDecode(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|(quot|amp|lt|gt|nbsp));?/gi, (m, hx, dec, name) => {
    // Any number of leading zeros; the low byte of the value, as ModSecurity keeps it.
    if (hx !== undefined) return String.fromCharCode(Number(BigInt(`0x${hx as string}`) & 0xffn));
    if (dec !== undefined) return String.fromCharCode(Number(BigInt(dec as string) & 0xffn));
    const v = NAMED[(name as string).toLowerCase()];
    return v ?? m;
  });
}

const JS_ESC: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function jsDecode(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= n) {
      out += c;
      continue;
    }
    const d = s[i + 1]!;
    if ((d === 'u' || d === 'U') && i + 5 < n && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      out += String.fromCharCode(uniByte(parseInt(s.slice(i + 2, i + 6), 16)));
      i += 5;
    } else if ((d === 'x' || d === 'X') && i + 3 < n && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      out += String.fromCharCode(hex2(s, i + 2));
      i += 3;
    } else if (d >= '0' && d <= '7') {
      let j = i + 1;
      let v = 0;
      while (j < n && j < i + 4 && s[j]! >= '0' && s[j]! <= '7') v = v * 8 + (s.charCodeAt(j++) - 48);
      out += String.fromCharCode(v & 0xff);
      i = j - 1;
    } else {
      out += JS_ESC[d] ?? d;
      i += 1;
    }
  }
  return out;
}

function cssDecode(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    if (i + 1 >= n) break; // a trailing backslash is dropped
    let j = i + 1;
    let hex = '';
    while (j < n && hex.length < 6 && isHex(s.charCodeAt(j))) hex += s[j++];
    if (hex.length > 0) {
      let v = parseInt(hex, 16);
      if (hex.length >= 4 && v >= 0xff01 && v <= 0xff5e) v -= 0xfee0;
      out += String.fromCharCode(v & 0xff);
      if (j < n && (s[j] === ' ' || s[j] === '\t' || s[j] === '\n' || s[j] === '\r' || s[j] === '\f')) j++;
      i = j - 1;
    } else if (s[j] === '\n') {
      i = j; // an escaped newline is removed
    } else {
      out += s[j];
      i = j;
    }
  }
  return out;
}

const WS = /[ \t\n\r\f\v\xa0]/;
const WS_RUN = /[ \t\n\r\f\v\xa0]+/g;
const WS_ALL = /[ \t\n\r\f\v\xa0]/g;

/** cmdLine's reading of a byte: 0 kept (lower-cased), 1 dropped, 2 a separator. */
const CMD_KIND = new Uint8Array(256);
for (const c of '\\"\'^') CMD_KIND[c.charCodeAt(0)] = 1;
for (const c of ',; \t\n\r\f\v\xa0') CMD_KIND[c.charCodeAt(0)] = 2;
/** toLowerCase of each byte, as a byte (every Latin-1 letter's lower case is Latin-1 too). */
const LOWER = Uint8Array.from({ length: 256 }, (_, c) => String.fromCharCode(c).toLowerCase().charCodeAt(0));

/** A reused output buffer for the byte-wise transformations (one runs at a time). */
let scratch = Buffer.allocUnsafe(4096);

/**
 * cmdLine over a byte string, one table lookup per byte into a reused buffer (a string built a character at a
 * time cost ~100 ns a character); any character above 0xFF takes the character-wise reading, cmdLineChars.
 */
function cmdLine(s: string): string {
  const n = s.length;
  if (scratch.length < n + 1) scratch = Buffer.allocUnsafe(Math.max(n + 1, scratch.length * 2));
  const out = scratch;
  let o = 0;
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return cmdLineChars(s);
    const kind = CMD_KIND[c]!;
    if (kind === 1) continue;
    if (kind === 2) {
      space = true;
      continue;
    }
    if (space) {
      if (c !== 47 && c !== 40) out[o++] = 32;
      space = false;
    }
    out[o++] = LOWER[c]!;
  }
  if (space) out[o++] = 32;
  return out.toString('latin1', 0, o);
}

function cmdLineChars(s: string): string {
  let out = '';
  let space = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' || c === '"' || c === "'" || c === '^') continue;
    if (c === ',' || c === ';' || WS.test(c)) {
      space = true;
      continue;
    }
    if (space) {
      // a run of separators is one space, and none before '/' or '('
      if (c !== '/' && c !== '(') out += ' ';
      space = false;
    }
    out += c.toLowerCase();
  }
  if (space) out += ' ';
  return out;
}

function replaceComments(s: string): string {
  if (s.indexOf('/*') === -1) return s;
  return s.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
}

/** A `.` or `..` path segment: without one (and without `//`) a path is already normal. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

function normalizePath(s: string, win: boolean): string {
  let p = win && s.indexOf('\\') !== -1 ? s.replace(/\\/g, '/') : s;
  if (p.indexOf('/') === -1 && p.indexOf('.') === -1) return p;
  if (p.indexOf('//') === -1 && !DOT_SEGMENT.test(p)) return p;
  const abs = p.startsWith('/');
  const trailing = p.endsWith('/') || p.endsWith('/.') || p.endsWith('/..');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!abs) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  p = (abs ? '/' : '') + parts.join('/');
  if (trailing && parts.length > 0) p += '/';
  return p;
}

function base64Decode(s: string): string {
  const m = /^[A-Za-z0-9+/]*={0,2}/.exec(s.trim());
  return Buffer.from(m === null ? '' : m[0], 'base64').toString('latin1');
}

function base64DecodeExt(s: string): string {
  return Buffer.from(s.replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1');
}

function hexDecode(s: string): string {
  let out = '';
  for (let i = 0; i + 1 < s.length; i += 2) out += String.fromCharCode(hex2(s, i));
  return out;
}

const hexEncode = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

/** UTF-8 multi-byte sequences -> `%uXXXX` (lower-case hex); bytes that are not valid UTF-8 stay. */
function utf8toUnicode(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let len = 0;
    let cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    let ok = len > 0 && i + len <= n;
    for (let k = 1; ok && k < len; k++) {
      const b = s.charCodeAt(i + k);
      if ((b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) {
      out += s[i];
      continue;
    }
    out += '%u' + cp.toString(16).padStart(4, '0');
    i += len - 1;
  }
  return out;
}

function escapeSeqDecode(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  return s.replace(/\\(?:x([0-9a-fA-F]{2})|([0-7]{1,3})|([abfnrtv\\?'"]))/g, (m, hx, oc, ch) => {
    if (hx !== undefined) return String.fromCharCode(parseInt(hx as string, 16));
    if (oc !== undefined) return String.fromCharCode(parseInt(oc as string, 8) & 0xff);
    const c = ch as string;
    return JS_ESC[c] ?? c;
  });
}

// crypto.hash, one call without a Hash object: a third of createHash's cost on short values (901410 hashes the
// request id, a new value on every request, when sampling is on).
const hash = (alg: string) => (s: string) => cryptoHash(alg, Buffer.from(s, 'latin1'), 'binary');

/** Every transformation the engine runs, by lower-case name. Anything else makes its rule unsupported. */
export const TRANSFORMS: ReadonlyMap<string, Transform> = new Map<string, Transform>([
  ['lowercase', (s) => s.toLowerCase()],
  ['uppercase', (s) => s.toUpperCase()],
  ['urldecode', (s) => urlDecode(s, false)],
  ['urldecodeuni', (s) => urlDecode(s, true)],
  ['htmlentitydecode', htmlEntityDecode],
  ['jsdecode', jsDecode],
  ['cssdecode', cssDecode],
  ['cmdline', cmdLine],
  ['compresswhitespace', (s) => s.replace(WS_RUN, ' ')],
  ['removewhitespace', (s) => s.replace(WS_ALL, '')],
  ['removenulls', (s) => (s.indexOf('\0') === -1 ? s : s.replace(/\0/g, ''))],
  ['replacenulls', (s) => (s.indexOf('\0') === -1 ? s : s.replace(/\0/g, ' '))],
  ['replacecomments', replaceComments],
  ['removecommentschar', (s) => (/\/\*|\*\/|--|#/.test(s) ? s.replace(/\/\*|\*\/|--|#/g, '') : s)],
  ['normalizepath', (s) => normalizePath(s, false)],
  ['normalisepath', (s) => normalizePath(s, false)],
  ['normalizepathwin', (s) => normalizePath(s, true)],
  ['normalisepathwin', (s) => normalizePath(s, true)],
  ['base64decode', base64Decode],
  ['base64decodeext', base64DecodeExt],
  ['base64encode', (s) => Buffer.from(s, 'latin1').toString('base64')],
  ['hexdecode', hexDecode],
  ['hexencode', hexEncode],
  ['utf8tounicode', utf8toUnicode],
  ['escapeseqdecode', escapeSeqDecode],
  ['length', (s) => String(s.length)],
  ['trim', (s) => s.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '')],
  ['trimleft', (s) => s.replace(/^[ \t\n\r\f\v]+/, '')],
  ['trimright', (s) => s.replace(/[ \t\n\r\f\v]+$/, '')],
  ['sha1', hash('sha1')],
  ['md5', hash('md5')],
]);

// Allocation-free IP parsing for the per-request path (IPv4 to a uint32, IPv6 to four uint32 words), CIDR
// parsing for lists, and canonical IPv6 text so decisions and lookups agree on one spelling.

/** IPv4 dotted quad to an unsigned 32-bit number; -1 when it is not one. No allocation. */
export function parseV4(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Groups of an IPv6 address, written into `groups` (8 entries); false when not IPv6. No allocation. */
function parseGroups(s: string, groups: Uint16Array | number[]): boolean {
  let count = 0;
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (n < 2) return false;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      for (let k = 0; k < 8; k++) groups[k] = 0;
      return true;
    }
  }
  while (i < n) {
    if (count === 8) return false;
    // a trailing dotted quad takes two groups
    let j = i;
    let value = 0;
    let digits = 0;
    let dotted = false;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 58) break;
      if (c === 46) dotted = true;
      j++;
    }
    if (dotted) {
      if (j !== n || count > 6) return false;
      const v4 = parseV4(s.slice(i, j));
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = j;
      break;
    }
    for (let k = i; k < j; k++) {
      const h = hex(s.charCodeAt(k));
      if (h < 0 || digits === 4) return false;
      value = value * 16 + h;
      digits++;
    }
    if (digits === 0) return false;
    groups[count++] = value;
    i = j;
    if (i === n) break;
    // at a colon
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) return false; // trailing single colon
  }
  if (gap === -1) return count === 8;
  if (count === 8) return false;
  const tail = count - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

const scratchGroups = new Uint16Array(8);

/** IPv6 text into four big-endian 32-bit words; false when it is not IPv6. No allocation. */
export function parseV6(s: string, out: Uint32Array): boolean {
  if (!parseGroups(s, scratchGroups)) return false;
  for (let w = 0; w < 4; w++) out[w] = ((scratchGroups[2 * w]! << 16) | scratchGroups[2 * w + 1]!) >>> 0;
  return true;
}

/** RFC 5952 text of an IPv6 address (lower case, longest zero run compressed); '' when not IPv6. */
export function canonicalV6(s: string): string {
  const g = new Uint16Array(8);
  if (!parseGroups(s, g)) return '';
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (from: number, to: number) => Array.from(g.subarray(from, to), (x) => x.toString(16)).join(':');
  if (bestAt === -1) return part(0, 8);
  return `${part(0, bestAt)}::${part(bestAt + bestLen, 8)}`;
}

export interface Cidr {
  readonly family: 4 | 6;
  /** One word (IPv4) or four (IPv6), host bits cleared. */
  readonly words: Uint32Array;
  readonly bits: number;
}

function maskWord(word: number, bitsInWord: number): number {
  if (bitsInWord <= 0) return 0;
  if (bitsInWord >= 32) return word >>> 0;
  return (word & ((0xffffffff << (32 - bitsInWord)) >>> 0)) >>> 0;
}

/**
 * An address or CIDR (`10.0.0.0/8`, `2001:db8::/32`, `1.2.3.4`); null when malformed. IPv4-mapped IPv6
 * (`::ffff:10.0.0.0/104`) folds to IPv4, as client addresses do.
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  let bits = -1;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
  }
  const v4 = parseV4(addr);
  if (v4 >= 0) {
    if (bits > 32) return null;
    const len = bits === -1 ? 32 : bits;
    return { family: 4, words: Uint32Array.of(maskWord(v4, len)), bits: len };
  }
  const w = new Uint32Array(4);
  if (!parseV6(addr, w)) return null;
  if (bits > 128) return null;
  let len = bits === -1 ? 128 : bits;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff && len >= 96) {
    len -= 96;
    return { family: 4, words: Uint32Array.of(maskWord(w[3]!, len)), bits: len };
  }
  for (let i = 0; i < 4; i++) w[i] = maskWord(w[i]!, len - 32 * i);
  return { family: 6, words: w, bits: len };
}

/** Canonical text of a parsed CIDR (network address / bits). */
export function formatCidr(c: Cidr): string {
  if (c.family === 4) {
    const n = c.words[0]!;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${c.bits}`;
  }
  const groups: string[] = [];
  for (const w of c.words) groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
  return `${canonicalV6(groups.join(':'))}/${c.bits}`;
}

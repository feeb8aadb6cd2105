// The one IP address parser: IPv4 and IPv6 text to numbers without allocation, and their normal text form.
//
// IPv4 octets are dotted decimal. A zero-padded octet ("010") is refused where an address comes from a
// client or the config (inet_aton would read it as octal 8, so two parsers could disagree: Node's isIP
// refuses it too), and read as decimal where it comes from a list or feed file (`padded`), which is what
// such files mean by it and what they have always been read as.

/** IPv4 dotted quad in s[from, to) to an unsigned 32-bit number; -1 when it is not one. No allocation. */
function v4Range(s: string, from: number, to: number, padded: boolean): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3) return -1;
      // a digit after a leading zero: "01", "00"
      if (digits !== 0 && part === 0 && !padded) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** IPv4 dotted quad to an unsigned 32-bit number; -1 when it is not one. No allocation. */
export function parseV4(s: string, padded: boolean): number {
  return v4Range(s, 0, s.length, padded);
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The eight groups of an IPv6 address (compressed forms, a trailing dotted quad), written into `groups`;
 * false when s is not IPv6. A zone id ("%eth0") is not part of an address and is refused. No allocation.
 */
export function parseV6Groups(s: string, groups: Uint16Array | number[], padded: boolean): boolean {
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
      const v4 = v4Range(s, i, j, padded);
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
export function parseV6(s: string, out: Uint32Array, padded: boolean): boolean {
  if (!parseV6Groups(s, scratchGroups, padded)) return false;
  for (let w = 0; w < 4; w++) out[w] = ((scratchGroups[2 * w]! << 16) | scratchGroups[2 * w + 1]!) >>> 0;
  return true;
}

/** Dotted text of an unsigned 32-bit IPv4 address. */
export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text of eight groups: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatV6(g: ArrayLike<number>): string {
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
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += g[i]!.toString(16);
    if (i !== 7) out += ':';
  }
  return out;
}

/** RFC 5952 text of an IPv6 address (list grammar); '' when not IPv6. */
export function canonicalV6(s: string): string {
  const g = new Uint16Array(8);
  return parseV6Groups(s, g, true) ? formatV6(g) : '';
}

const normGroups = new Uint16Array(8);

/**
 * The normal text of one address, or '' when it is not exactly one: IPv4 as given (it is already normal
 * once zero-padded octets are refused), IPv4-mapped IPv6 (::ffff:a.b.c.d, in any spelling) folded to IPv4
 * so one client has one spelling whichever socket family it came through, other IPv6 in RFC 5952 text.
 * Zone ids, brackets and ports are refused.
 */
export function normaliseAddress(s: string): string {
  if (v4Range(s, 0, s.length, false) >= 0) return s;
  const g = normGroups;
  if (!parseV6Groups(s, g, false)) return '';
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return formatV4(((g[6]! << 16) | g[7]!) >>> 0);
  }
  return formatV6(g);
}

/**
 * A socket's or a header's address: brackets ("[::1]") and a zone ("fe80::1%eth0": the socket of a
 * link-local peer may carry one; the address without it is the peer's) are stripped, then normaliseAddress.
 */
export function normaliseIp(raw: string): string {
  let s = raw;
  if (s.length > 1 && s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  return normaliseAddress(s);
}

/** An X-Forwarded-For entry may carry a port ("1.2.3.4:80", "[::1]:80"); returns the address or ''. */
export function parseForwardedEntry(entry: string): string {
  const s = entry.trim();
  if (s.length === 0 || s.length > 64) return '';
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    return close === -1 ? '' : normaliseIp(s.slice(0, close + 1));
  }
  const colon = s.indexOf(':');
  if (colon !== -1 && colon === s.lastIndexOf(':') && s.indexOf('.') !== -1) {
    return normaliseIp(s.slice(0, colon)); // a.b.c.d:port
  }
  return normaliseIp(s);
}

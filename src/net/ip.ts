// IP address parsing and normalisation (IPv4-mapped IPv6 folded to IPv4), shared by every address check.
import { isIP } from 'node:net';

/** Strips a zone, brackets and folds ::ffff:a.b.c.d to a.b.c.d. Returns '' for anything not an IP. */
export function normaliseIp(raw: string): string {
  let s = raw;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return s;
  if (family !== 6) return '';
  const lower = s.toLowerCase();
  if (lower.startsWith('::ffff:')) {
    const tail = lower.slice(7);
    if (isIP(tail) === 4) return tail;
    // ::ffff:7f00:1 form
    const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
    if (m) {
      const hi = parseInt(m[1]!, 16);
      const lo = parseInt(m[2]!, 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return lower;
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

/** IPv4 to a 32-bit unsigned number; -1 when not IPv4. */
export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) return -1;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255 || p.length === 0) return -1;
    n = n * 256 + v;
  }
  return n;
}

/** IPv6 (already valid per isIP) to a 128-bit bigint. */
export function ipv6ToBigInt(ip: string): bigint {
  let s = ip;
  // trailing dotted quad
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = ipv4ToNumber(tail);
    s = `${s.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...new Array<string>(8 - h.length - r.length).fill('0'), ...r];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

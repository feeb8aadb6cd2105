// Naive references for src/net: bigint arithmetic on split strings, written independently of the parser.

/** IPv4 dotted decimal (no leading zeros) to a number, or null. */
export function naiveV4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

/** IPv6 text (compressed forms, trailing dotted quad, no zone) to a 128-bit bigint, or null. */
export function naiveV6(s: string): bigint | null {
  if (s.includes('%')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): bigint[] | null => {
    if (part === '') return [];
    const out: bigint[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = naiveV4(it);
        if (v4 === null) return null;
        out.push(BigInt(v4 >>> 16), BigInt(v4 & 0xffff));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(it)) out.push(BigInt(parseInt(it, 16)));
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // a dotted quad only at the very end
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  let groups: bigint[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else groups = head;
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** A CIDR as a (family, network, bits) triple, mapped IPv6 folded to IPv4 as the gateway does. */
export interface NaiveCidr {
  readonly family: 4 | 6;
  readonly net: bigint;
  readonly bits: number;
}

const MAPPED = 0xffffn << 32n;

export function naiveCidr(text: string): NaiveCidr | null {
  const [addr, b, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return null;
  const v4 = naiveV4(addr);
  const v6 = v4 === null ? naiveV6(addr) : null;
  if (v4 === null && v6 === null) return null;
  let bits = v4 !== null ? 32 : 128;
  if (b !== undefined) {
    if (!/^\d{1,3}$/.test(b) || Number(b) > bits) return null;
    bits = Number(b);
  }
  if (v4 !== null) return { family: 4, net: mask(BigInt(v4), 32, bits), bits };
  if (bits >= 96 && v6! >> 32n === 0xffffn)
    return { family: 4, net: mask(v6! - MAPPED, 32, bits - 96), bits: bits - 96 };
  return { family: 6, net: mask(v6!, 128, bits), bits };
}

function mask(v: bigint, width: number, bits: number): bigint {
  return bits === 0 ? 0n : (v >> BigInt(width - bits)) << BigInt(width - bits);
}

/** A normalised address as (family, value); family 0 when it is neither. */
export function naiveAddress(ip: string): { family: 0 | 4 | 6; value: bigint } {
  const v4 = naiveV4(ip);
  if (v4 !== null) return { family: 4, value: BigInt(v4) };
  const v6 = naiveV6(ip);
  return v6 === null ? { family: 0, value: 0n } : { family: 6, value: v6 };
}

/** Whether a normalised address (text, or as naiveAddress parsed it) lies in a naive CIDR. */
export function naiveContains(c: NaiveCidr, ip: string | ReturnType<typeof naiveAddress>): boolean {
  const a = typeof ip === 'string' ? naiveAddress(ip) : ip;
  return a.family === c.family && mask(a.value, c.family === 4 ? 32 : 128, c.bits) === c.net;
}

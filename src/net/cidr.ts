// A small CIDR set for short lists (trusted proxies): built once, matched by linear scan of numeric ranges.
import { isIP } from 'node:net';
import { ipv4ToNumber, ipv6ToBigInt, normaliseIp } from './ip.js';

export interface CidrSet {
  readonly size: number;
  has(ip: string): boolean;
}

export function buildCidrSet(entries: readonly string[]): CidrSet {
  const v4: Array<[number, number]> = []; // [network, mask] as unsigned
  const v6: Array<[bigint, bigint]> = [];
  for (const e of entries) {
    const slash = e.indexOf('/');
    if (slash !== -1 && !/^\d{1,3}$/.test(e.slice(slash + 1))) throw new Error(`not an IP address or CIDR: ${e}`);
    const addr = normaliseIp(slash === -1 ? e : e.slice(0, slash));
    const fam = isIP(addr);
    if (fam === 4) {
      // an IPv4-mapped IPv6 CIDR (::ffff:10.0.0.0/104) folds to IPv4 bits
      let bits = slash === -1 ? 32 : Number(e.slice(slash + 1));
      if (isIP(e.slice(0, slash === -1 ? undefined : slash)) === 6) bits -= 96;
      bits = Math.max(0, Math.min(32, bits));
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v4.push([(ipv4ToNumber(addr) & mask) >>> 0, mask]);
    } else if (fam === 6) {
      const bits = BigInt(slash === -1 ? 128 : Number(e.slice(slash + 1)));
      const mask = bits === 0n ? 0n : ((1n << bits) - 1n) << (128n - bits);
      v6.push([ipv6ToBigInt(addr) & mask, mask]);
    } else {
      throw new Error(`not an IP address or CIDR: ${e}`);
    }
  }
  return Object.freeze({
    size: v4.length + v6.length,
    has(ip: string): boolean {
      if (ip.includes(':')) {
        if (v6.length === 0) return false;
        const n = ipv6ToBigInt(ip);
        for (const [net, mask] of v6) if ((n & mask) === net) return true;
        return false;
      }
      if (v4.length === 0) return false;
      const n = ipv4ToNumber(ip);
      if (n < 0) return false;
      for (const [net, mask] of v4) if ((n & mask) >>> 0 === net) return true;
      return false;
    },
  });
}

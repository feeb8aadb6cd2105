// Groups client addresses by network prefix for keying: IPv4 as is (or by a prefix), IPv6 by /64 by default,
// since one IPv6 subscriber usually holds a whole /64 (often /56 or /48) and could rotate through it.
import { formatV4, parseV4, parseV6Groups } from './ip.js';

/** The 8 groups of a valid IPv6 address (embedded dotted quad allowed); null when not IPv6. */
export function ipv6Hextets(ip: string): number[] | null {
  const g = new Array<number>(8);
  return parseV6Groups(ip, g, false) ? g : null;
}

/**
 * "2001:db8:1:2::/64"-style key of the network holding ip (the address's first `bits` bits). Not RFC 5952
 * ("2001:db8:1:0::/56"): these are the keys of counters already in the store, so their spelling stays.
 */
export function ipv6Prefix(words: readonly number[], bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 8 && i * 16 < bits; i++) {
    const keep = Math.min(16, bits - i * 16);
    const mask = keep === 16 ? 0xffff : (0xffff << (16 - keep)) & 0xffff;
    out.push((words[i]! & mask).toString(16));
  }
  return `${out.join(':')}::/${bits}`;
}

/** "a.b.c.0/24"-style key of the IPv4 network holding n; the address itself at 32 bits or more. */
export function ipv4Prefix(ip: string, n: number, bits: number): string {
  if (bits >= 32) return ip;
  const masked = bits <= 0 ? 0 : (n & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  return `${formatV4(masked)}/${bits}`;
}

/** One grouping level: the address's network at `bits`, whose limits are multiplied by `scale`. */
export interface GroupLevel {
  readonly bits: number;
  readonly scale: number;
}

export interface IpGroups {
  /** The widest group: the hash tag that keeps all of this client's keys in one Cluster slot. */
  readonly tag: string;
  /** Each level's group, narrowest first, paired with its level. */
  readonly groups: readonly string[];
  readonly family: 4 | 6;
}

export interface IpGrouping {
  readonly v4: readonly GroupLevel[];
  readonly v6: readonly GroupLevel[];
}

/** Levels must be sorted narrowest (most bits) first; the last is the widest and names the tag. */
export function groupIp(ip: string, grouping: IpGrouping): IpGroups {
  const n = parseV4(ip, false);
  if (n >= 0) {
    const groups = grouping.v4.map((l) => ipv4Prefix(ip, n, l.bits));
    return { tag: groups[groups.length - 1] ?? ip, groups, family: 4 };
  }
  const words = ipv6Hextets(ip);
  if (words === null) return { tag: `raw:${ip}`, groups: [`raw:${ip}`], family: 4 };
  const groups = grouping.v6.map((l) => ipv6Prefix(words, l.bits));
  return { tag: groups[groups.length - 1]!, groups, family: 6 };
}

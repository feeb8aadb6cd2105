// Groups client addresses for keying: IPv4 as is (or by a prefix), IPv6 by network prefixes (/64 by default),
// since one IPv6 subscriber usually holds a whole /64 (often /56 or /48) and could rotate through it.
import { isIP } from 'node:net';

/** The 8 hextets of a valid IPv6 address (embedded dotted quad allowed); null when not IPv6. */
export function ipv6Hextets(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const q = last.split('.').map(Number);
    tail.push(((q[0]! << 8) | q[1]!) >>> 0, ((q[2]! << 8) | q[3]!) >>> 0);
    s = s.slice(0, lastColon + 1) + '0';
  }
  const halves = s.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0]!);
  let words: number[];
  if (halves.length === 2) {
    const back = parse(halves[1]!);
    const total = 8 - (tail.length === 0 ? 0 : 1);
    words = [...head, ...new Array<number>(total - head.length - back.length).fill(0), ...back];
  } else {
    words = head;
  }
  if (tail.length !== 0) words = [...words.slice(0, words.length - 1), ...tail];
  return words.length === 8 ? words : null;
}

/** "2001:db8:1:2::/64"-style key of the network holding ip (the address's first `bits` bits). */
export function ipv6Prefix(words: readonly number[], bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 8 && i * 16 < bits; i++) {
    const keep = Math.min(16, bits - i * 16);
    const mask = keep === 16 ? 0xffff : (0xffff << (16 - keep)) & 0xffff;
    out.push((words[i]! & mask).toString(16));
  }
  return `${out.join(':')}::/${bits}`;
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

function ipv4Prefix(ip: string, bits: number): string {
  if (bits >= 32) return ip;
  const n = ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const masked = bits === 0 ? 0 : Math.floor(n / 2 ** (32 - bits)) * 2 ** (32 - bits);
  return `${[24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.')}/${bits}`;
}

/** Levels must be sorted narrowest (most bits) first; the last is the widest and names the tag. */
export function groupIp(ip: string, grouping: IpGrouping): IpGroups {
  const family = isIP(ip);
  if (family === 4) {
    const groups = grouping.v4.map((l) => ipv4Prefix(ip, l.bits));
    return { tag: groups[groups.length - 1] ?? ip, groups, family: 4 };
  }
  const words = family === 6 ? ipv6Hextets(ip) : null;
  if (words === null) return { tag: `raw:${ip}`, groups: [`raw:${ip}`], family: 4 };
  const groups = grouping.v6.map((l) => ipv6Prefix(words, l.bits));
  return { tag: groups[groups.length - 1]!, groups, family: 6 };
}

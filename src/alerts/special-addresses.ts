// Addresses an alert must never be sent to unless allowed by name: loopback, private, link-local and the
// other special-purpose ranges (IANA registries), including IPv4 ones embedded in NAT64 and 6to4 IPv6.
import { parseCidr } from '../net/cidr.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';
import { formatV4, normaliseIp, parseV4, parseV6 } from '../net/ip.js';

export interface SpecialRange {
  readonly name: string;
  readonly cidr: string;
}

/** refuse: never a target; global: ordinary unicast; embeds: judge the IPv4 address inside (at bit `at`). */
type Entry =
  | { readonly kind: 'refuse'; readonly range: SpecialRange }
  | { readonly kind: 'global' }
  | { readonly kind: 'embeds'; readonly at: 16 | 96; readonly range: SpecialRange };

const V4_REFUSED: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'broadcast'],
];

// Outside 2000::/3 nothing is ordinary global unicast, so ::/0 refuses by default and the named ranges only
// make the detail precise. IPv4-mapped addresses never get here: normaliseIp folds them to IPv4.
const V6_REFUSED: readonly (readonly [string, string])[] = [
  ['::/0', 'not global unicast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation'],
  ['100::/64', 'discard-only'],
  ['2001::/32', 'Teredo'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:10::/28', 'ORCHID'],
  ['2001:20::/28', 'ORCHIDv2'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'SRv6 SIDs'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

function cidrOf(text: string) {
  const c = parseCidr(text, false);
  if (c === null) throw new Error(`bad built-in CIDR ${text}`);
  return c;
}

function build() {
  const b = new PrefixTrieBuilder<Entry>((_outer, inner) => inner);
  for (const [cidr, name] of [...V4_REFUSED, ...V6_REFUSED]) {
    b.add(cidrOf(cidr), { kind: 'refuse', range: { name, cidr } });
  }
  b.add(cidrOf('2000::/3'), { kind: 'global' });
  b.add(cidrOf('64:ff9b::/96'), { kind: 'embeds', at: 96, range: { name: 'NAT64', cidr: '64:ff9b::/96' } });
  b.add(cidrOf('2002::/16'), { kind: 'embeds', at: 16, range: { name: '6to4', cidr: '2002::/16' } });
  return b.build();
}

const trie = build();
const words = new Uint32Array(4);

/** IPv4 bits [at, at+32) of an IPv6 address in four words (at is 16 or 96). */
function embedded(w: Uint32Array, at: 16 | 96): number {
  return at === 96 ? w[3]! : (((w[0]! & 0xffff) << 16) | (w[1]! >>> 16)) >>> 0;
}

/**
 * The special range holding an address (any spelling: brackets, IPv4-mapped), or null for an ordinary
 * global address. Text that is not an address is refused as such: the caller asked about a target.
 */
export function specialRange(address: string): SpecialRange | null {
  const ip = normaliseIp(address);
  if (ip === '') return { name: 'not an IP address', cidr: '' };
  const v4 = parseV4(ip, false);
  if (v4 >= 0) {
    const e = trie.v4.lookup4(v4);
    return e !== undefined && e.kind === 'refuse' ? e.range : null;
  }
  if (!parseV6(ip, words, false)) return { name: 'not an IP address', cidr: '' };
  const e = trie.v6.lookup6(words);
  if (e === undefined || e.kind === 'global') return null;
  if (e.kind === 'refuse') return e.range;
  const inner = embedded(words, e.at);
  const hit = trie.v4.lookup4(inner);
  if (hit === undefined || hit.kind !== 'refuse') return null;
  return { name: `${hit.range.name} (${formatV4(inner)}) inside ${e.range.name}`, cidr: hit.range.cidr };
}

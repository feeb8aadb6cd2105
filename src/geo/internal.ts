// Private, loopback, link-local and other non-routable ranges: "internal" clients, never located or scored.
import { parseCidr } from '../net/cidr.js';
import type { PrefixTrie } from '../net/cidr-trie.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';

export const INTERNAL_RANGES: readonly string[] = Object.freeze([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT (shared address space)
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::/128',
  '::1/128',
  'fc00::/7', // unique local
  'fe80::/10', // link local
]);

function build(): PrefixTrie<true> {
  const b = new PrefixTrieBuilder<true>(() => true);
  for (const r of INTERNAL_RANGES) b.add(parseCidr(r)!, true);
  return b.build();
}

const INTERNAL = build();

/** True for private and loopback addresses (and the other ranges above). No allocation. */
export function isInternal(ip: string): boolean {
  return INTERNAL.lookup(ip) === true;
}

// CIDR text (parse, canonical form) and membership sets of CIDRs, all on the one prefix trie.
import { formatV4, formatV6, parseV4, parseV6 } from './ip.js';
import { PrefixTrieBuilder } from './cidr-trie-builder.js';

import type { Cidr } from './cidr-trie-builder.js';

export type { Cidr } from './cidr-trie-builder.js';

function maskWord(word: number, bitsInWord: number): number {
  if (bitsInWord <= 0) return 0;
  if (bitsInWord >= 32) return word >>> 0;
  return (word & ((0xffffffff << (32 - bitsInWord)) >>> 0)) >>> 0;
}

/**
 * An address or CIDR (`10.0.0.0/8`, `2001:db8::/32`, `1.2.3.4`); null when malformed. IPv4-mapped IPv6
 * (`::ffff:10.0.0.0/104`) folds to IPv4, as client addresses do. `padded` (the default: list and feed
 * files) reads zero-padded octets as decimal; config entries pass false and refuse them (see ip.ts).
 */
export function parseCidr(text: string, padded = true): Cidr | null {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  let bits = -1;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
  }
  const v4 = parseV4(addr, padded);
  if (v4 >= 0) {
    if (bits > 32) return null;
    const len = bits === -1 ? 32 : bits;
    return { family: 4, words: Uint32Array.of(maskWord(v4, len)), bits: len };
  }
  const w = new Uint32Array(4);
  if (!parseV6(addr, w, padded)) return null;
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
  if (c.family === 4) return `${formatV4(c.words[0]!)}/${c.bits}`;
  const groups: number[] = [];
  for (const w of c.words) groups.push(w >>> 16, w & 0xffff);
  return `${formatV6(groups)}/${c.bits}`;
}

export interface CidrSet {
  readonly size: number;
  /** Whether a normalised address (normaliseIp) lies in one of the set's CIDRs. No allocation. */
  has(ip: string): boolean;
}

/**
 * A set of CIDRs written in the config: zero-padded octets and zone ids are refused (trusted proxies), or with
 * `padded` the padded octets are read as decimal, as the reputation lists' entries are.
 */
export function buildCidrSet(entries: readonly string[], padded = false): CidrSet {
  const b = new PrefixTrieBuilder<true>(() => true);
  for (const e of entries) {
    const c = parseCidr(e, padded);
    if (c === null) throw new Error(`not an IP address or CIDR: ${e}`);
    b.add(c, true);
  }
  const trie = b.build();
  return Object.freeze({
    size: entries.length,
    has: (ip: string): boolean => trie.lookup(ip) === true,
  });
}

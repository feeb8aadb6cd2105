// The one CIDR trie against a naive linear matcher (bigint arithmetic), on fixed cases, vectors and random sets.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCidrSet, parseCidr } from '../../../src/net/cidr.js';
import { PrefixTrieBuilder } from '../../../src/net/cidr-trie-builder.js';
import { naiveAddress, naiveCidr, naiveContains, type NaiveCidr } from './naive.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/net/addresses.json', import.meta.url), 'utf8')) as {
  sets: Array<{ cidrs: string[]; cases: Array<{ ip: string; member: boolean }> }>;
};

const union = (a: string, b: string) => [...new Set([...a.split(','), ...b.split(',')])].sort().join(',');

function build(entries: readonly (readonly [string, string])[]) {
  const b = new PrefixTrieBuilder<string>(union);
  for (const [cidr, tag] of entries) b.add(parseCidr(cidr)!, tag);
  return b.build();
}

/** Reference: every covering prefix's tags, unioned. */
const parsed = new Map<string, NaiveCidr>();
function reference(entries: readonly (readonly [string, string])[], ip: string): string | undefined {
  const tags: string[] = [];
  const a = naiveAddress(ip);
  for (const [cidr, tag] of entries) {
    let c = parsed.get(cidr);
    if (c === undefined) parsed.set(cidr, (c = naiveCidr(cidr)!));
    if (naiveContains(c, a)) tags.push(tag);
  }
  return tags.length === 0 ? undefined : tags.reduce(union);
}

describe('CidrSet (trusted proxies)', () => {
  it.each(vectors.sets.map((s) => [s.cidrs.join(' '), s] as const))('%s', (_n, s) => {
    const set = buildCidrSet(s.cidrs);
    expect(set.size).toBe(s.cidrs.length);
    for (const c of s.cases) {
      expect(set.has(c.ip), c.ip).toBe(c.member);
      expect(
        s.cidrs.some((x) => naiveContains(naiveCidr(x)!, c.ip)),
        c.ip,
      ).toBe(c.member);
    }
  });

  it('refuses what the config refuses: garbage, zero-padded octets, zone ids', () => {
    for (const bad of ['10.0.0.0/x', '010.0.0.0/8', 'fe80::1%eth0', '::/129', '[::1]']) {
      expect(() => buildCidrSet([bad]), bad).toThrow(/not an IP address or CIDR/);
    }
  });
});

describe('PrefixTrie', () => {
  const entries = [
    ['10.0.0.0/8', 'a'],
    ['10.1.0.0/16', 'b'],
    ['10.1.2.3', 'c'],
    ['192.168.0.0/24', 'd'],
    ['192.168.0.128/25', 'e'],
    ['0.0.0.0/0', 'z'],
    ['2001:db8::/32', 'f'],
    ['2001:db8:1::/48', 'g'],
    ['::1', 'h'],
  ] as const;
  const trie = build(entries);

  it('answers the longest match with every covering prefix pushed down', () => {
    expect(trie.lookup('10.9.9.9')).toBe('a,z');
    expect(trie.lookup('10.1.9.9')).toBe('a,b,z');
    expect(trie.lookup('10.1.2.3')).toBe('a,b,c,z');
    expect(trie.lookup('10.1.2.4')).toBe('a,b,z');
    expect(trie.lookup('192.168.0.200')).toBe('d,e,z');
    expect(trie.lookup('192.168.0.1')).toBe('d,z');
    expect(trie.lookup('8.8.8.8')).toBe('z');
    expect(trie.lookup('2001:db8:1::5')).toBe('f,g');
    expect(trie.lookup('2001:db8:2::5')).toBe('f');
    expect(trie.lookup('::1')).toBe('h');
    expect(trie.lookup('2001:db9::')).toBeUndefined();
    expect(trie.lookup('not an ip')).toBeUndefined();
  });

  it('an empty trie answers nothing', () => {
    const empty = new PrefixTrieBuilder<string>(union).build();
    expect(empty.lookup('1.2.3.4')).toBeUndefined();
    expect(empty.lookup('::1')).toBeUndefined();
  });

  it('merges duplicates of one prefix', () => {
    expect(
      build([
        ['1.2.3.0/24', 'x'],
        ['1.2.3.0/24', 'y'],
      ]).lookup('1.2.3.9'),
    ).toBe('x,y');
  });

  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, b]) => {
    const s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    return `${s}/${b}`;
  });
  const small = fc.integer({ min: 0, max: 7 }); // few distinct high bits: prefixes overlap often
  const v4Near = fc
    .tuple(small, fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([hi, lo, b]) => `10.${hi}.${(lo >>> 8) & 255}.${lo & 255}/${b}`);
  const v6 = fc
    .tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }))
    .map(([g, b]) => `${g.map((x) => (x === 0 ? '2001' : x.toString(16))).join(':')}/${b}`);
  // IPv4-mapped prefixes (folded to IPv4 when /96 or longer, kept IPv6 when shorter), written compressed
  const mapped = fc
    .tuple(small, fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 80, max: 128 }))
    .map(([hi, lo, b]) => `::ffff:10.${hi}.${(lo >>> 8) & 255}.${lo & 255}/${b}`);

  it('agrees with the linear reference on a large IPv4 set (the jump-table path)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    const quad = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    const list: Array<[string, string]> = [];
    for (let i = 0; i < 6000; i++) {
      const bits = i % 50 === 0 ? rnd() % 17 : 8 + (rnd() % 25); // some short prefixes cover whole /16 blocks
      list.push([`${quad(rnd())}/${bits}`, 'pqrs'[i % 4]!]);
    }
    const t = build(list);
    expect(t.v4.nodes).toBeGreaterThan(4096);
    for (let i = 0; i < 1500; i++) {
      const ip = i % 2 === 0 ? quad(rnd()) : list[rnd() % list.length]![0].split('/')[0]!;
      expect(t.lookup(ip), ip).toBe(reference(list, ip));
    }
  });

  it('agrees with the linear reference on random IPv4 and IPv6 sets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(v4, v4Near, v6, mapped), fc.constantFrom('p', 'q', 'r', 's')), { maxLength: 40 }),
        fc.array(
          fc.oneof(v4, v4Near, v6).map((c) => c.slice(0, c.indexOf('/'))),
          { minLength: 1, maxLength: 20 },
        ),
        (list, ips) => {
          const t = build(list);
          for (const ip of ips) expect(t.lookup(ip)).toBe(reference(list, ip));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a CidrSet agrees with the naive matcher on random sets and addresses', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(v4, v4Near, v6, mapped), { maxLength: 30 }),
        fc.array(
          fc.oneof(v4, v4Near, v6).map((c) => c.slice(0, c.indexOf('/'))),
          { minLength: 1, maxLength: 20 },
        ),
        (cidrs, ips) => {
          const set = buildCidrSet(cidrs);
          const naive = cidrs.map((c) => naiveCidr(c)!);
          for (const ip of ips) expect(set.has(ip), ip).toBe(naive.some((c) => naiveContains(c, ip)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

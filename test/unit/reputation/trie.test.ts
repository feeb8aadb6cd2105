// The prefix trie against a linear reference matcher (bigint arithmetic), on fixed cases and random ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalV6, formatCidr, parseCidr, parseV4, parseV6 } from '../../../src/reputation/address.js';
import { PrefixTrieBuilder } from '../../../src/reputation/trie-builder.js';
import { ipv6ToBigInt } from '../../../src/net/ip.js';

const union = (a: string, b: string) => [...new Set([...a.split(','), ...b.split(',')])].sort().join(',');

function build(entries: readonly (readonly [string, string])[]) {
  const b = new PrefixTrieBuilder<string>(union);
  for (const [cidr, tag] of entries) b.add(parseCidr(cidr)!, tag);
  return b.build();
}

/** Reference: every covering prefix's tags, unioned. */
const parsed = new Map<string, ReturnType<typeof parseCidr>>();
function reference(entries: readonly (readonly [string, string])[], ip: string): string | undefined {
  const v4 = parseV4(ip);
  const tags: string[] = [];
  for (const [cidr, tag] of entries) {
    let c = parsed.get(cidr);
    if (c === undefined) parsed.set(cidr, (c = parseCidr(cidr)!));
    c = c!;
    if (v4 >= 0 && c.family === 4) {
      const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0;
      if ((v4 & mask) >>> 0 === c.words[0]) tags.push(tag);
    } else if (v4 < 0 && c.family === 6) {
      const a = ipv6ToBigInt(ip);
      const net = c.words.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
      const mask = c.bits === 0 ? 0n : ((1n << BigInt(c.bits)) - 1n) << BigInt(128 - c.bits);
      if ((a & mask) === net) tags.push(tag);
    }
  }
  return tags.length === 0 ? undefined : tags.reduce(union);
}

describe('address parsing', () => {
  it('parses IPv4 and refuses near misses', () => {
    expect(parseV4('0.0.0.0')).toBe(0);
    expect(parseV4('255.255.255.255')).toBe(0xffffffff);
    expect(parseV4('10.1.2.3')).toBe(0x0a010203);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', 'a.b.c.d', '1.2.3.1234', '::1']) {
      expect(parseV4(bad), bad).toBe(-1);
    }
  });

  it('parses IPv6 forms to the same words as the bigint parser', () => {
    const out = new Uint32Array(4);
    for (const ip of [
      '::',
      '::1',
      '1::',
      '2001:db8::8:800:200c:417a',
      'fe80::1:2',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7::',
      'ABCD::EF',
    ]) {
      expect(parseV6(ip, out), ip).toBe(true);
      const big = ipv6ToBigInt(ip.toLowerCase());
      expect(
        [...out].reduce((a, w) => (a << 32n) | BigInt(w), 0n),
        ip,
      ).toBe(big);
    }
    for (const bad of [
      '',
      ':',
      ':::',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      ':1',
      '1:',
      'g::1',
      '1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
    ]) {
      expect(parseV6(bad, out), bad).toBe(false);
    }
  });

  it('writes canonical IPv6 (RFC 5952)', () => {
    expect(canonicalV6('2001:0DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalV6('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalV6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalV6('1:0:2:3:4:5:6:7')).toBe('1:0:2:3:4:5:6:7');
    expect(canonicalV6('::')).toBe('::');
    expect(canonicalV6('nope')).toBe('');
  });

  it('parses CIDRs: host bits cleared, mapped IPv4 folded, bad ones refused', () => {
    expect(formatCidr(parseCidr('10.1.2.3/8')!)).toBe('10.0.0.0/8');
    expect(formatCidr(parseCidr('1.2.3.4')!)).toBe('1.2.3.4/32');
    expect(formatCidr(parseCidr('2001:db8::1/32')!)).toBe('2001:db8::/32');
    expect(formatCidr(parseCidr('::ffff:10.0.0.0/104')!)).toBe('10.0.0.0/8');
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'host', '1.2.3.4/08a']) {
      expect(parseCidr(bad), bad).toBeNull();
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
        fc.array(fc.tuple(fc.oneof(v4, v4Near, v6), fc.constantFrom('p', 'q', 'r', 's')), { maxLength: 40 }),
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
});

// Prefix grouping of client addresses (IPv6 /64, /56, /48; IPv4 /24): the vector file and a property.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupIp, ipv6Hextets } from '../../../src/net/prefix.js';
import { normaliseAddress } from '../../../src/net/ip.js';
import { naiveV6 } from './naive.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/net/addresses.json', import.meta.url), 'utf8')) as {
  groups: Array<{ ip: string; bits: number; key: string }>;
};

describe('groupIp', () => {
  it.each(vectors.groups.map((g) => [`${g.ip} /${g.bits} -> ${g.key}`, g] as const))('%s', (_n, g) => {
    const level = [{ bits: g.bits, scale: 1 }];
    const r = groupIp(g.ip, { v4: level, v6: level });
    expect(r.groups).toEqual([g.key]);
    expect(r.tag).toBe(g.key);
  });

  it('several levels: narrowest first, the widest is the tag', () => {
    const levels = [64, 56, 48].map((bits) => ({ bits, scale: 1 }));
    const g = groupIp('2001:db8:1:2::1', { v4: [{ bits: 24, scale: 1 }], v6: levels });
    expect(g).toEqual({
      tag: '2001:db8:1::/48',
      groups: ['2001:db8:1:2::/64', '2001:db8:1:0::/56', '2001:db8:1::/48'],
      family: 6,
    });
  });

  it('two addresses share a group exactly when their first bits agree', () => {
    const addr = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(addr, addr, fc.constantFrom(48, 56, 64), fc.integer({ min: 0, max: 7 }), (a, b0, bits, keep) => {
        const b = [...a.slice(0, keep), ...b0.slice(keep)]; // often share a prefix
        const text = (g: number[]) => normaliseAddress(g.map((x) => x.toString(16)).join(':'));
        const level = { v4: [{ bits: 24, scale: 1 }], v6: [{ bits, scale: 1 }] };
        const [ta, tb] = [text(a), text(b)];
        if (ta.includes('.') || tb.includes('.')) return; // IPv4-mapped: grouped as IPv4
        const same = naiveV6(ta)! >> BigInt(128 - bits) === naiveV6(tb)! >> BigInt(128 - bits);
        expect(groupIp(ta, level).tag === groupIp(tb, level).tag).toBe(same);
      }),
    );
  });

  it('ipv6Hextets refuses what is not one IPv6 address', () => {
    expect(ipv6Hextets('1.2.3.4')).toBeNull();
    expect(ipv6Hextets('fe80::1%eth0')).toBeNull();
    expect(ipv6Hextets('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  });
});

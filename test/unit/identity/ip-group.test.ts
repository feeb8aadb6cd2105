// IP grouping (src/net/prefix.ts): IPv4 as is, IPv6 by prefix (several levels at once), the widest level as hash tag.
import { describe, expect, it } from 'vitest';
import { groupIp, ipv6Hextets, ipv6Prefix } from '../../../src/net/prefix.js';

const one = { v4: [{ bits: 32, scale: 1 }], v6: [{ bits: 64, scale: 1 }] };

describe('ipv6 parsing and prefixes', () => {
  it('expands every textual form to the same eight hextets', () => {
    const want = [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1];
    expect(ipv6Hextets('2001:db8::1')).toEqual(want);
    expect(ipv6Hextets('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(want);
    expect(ipv6Hextets('2001:DB8:0:0:0:0:0:1')).toEqual(want);
    expect(ipv6Hextets('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Hextets('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(ipv6Hextets('64:ff9b::10.0.0.1')).toEqual([0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 0x0001]);
    expect(ipv6Hextets('1.2.3.4')).toBeNull();
  });

  it('masks to the prefix, including partial hextets', () => {
    const w = ipv6Hextets('2001:db8:abcd:1234:5678::1')!;
    expect(ipv6Prefix(w, 64)).toBe('2001:db8:abcd:1234::/64');
    expect(ipv6Prefix(w, 56)).toBe('2001:db8:abcd:1200::/56');
    expect(ipv6Prefix(w, 48)).toBe('2001:db8:abcd::/48');
    expect(ipv6Prefix(w, 60)).toBe('2001:db8:abcd:1230::/60');
  });
});

describe('groupIp', () => {
  it('puts every address of one /64 in one group, and another /64 in another', () => {
    const a = groupIp('2001:db8:1:2::1', one);
    const b = groupIp('2001:db8:1:2:ffff:ffff:ffff:ffff', one);
    const c = groupIp('2001:db8:1:3::1', one);
    expect(a.tag).toBe(b.tag);
    expect(a.tag).not.toBe(c.tag);
    expect(a.family).toBe(6);
  });

  it('with several levels, the narrowest comes first and the widest is the tag', () => {
    const levels = { v4: one.v4, v6: [64, 56, 48].map((bits) => ({ bits, scale: 1 })) };
    const g = groupIp('2001:db8:1:2::1', levels);
    expect(g.groups).toEqual(['2001:db8:1:2::/64', '2001:db8:1:0::/56', '2001:db8:1::/48']);
    expect(g.tag).toBe('2001:db8:1::/48');
  });

  it('keeps IPv4 addresses whole by default and groups them by prefix when asked', () => {
    expect(groupIp('192.0.2.7', one)).toEqual({ tag: '192.0.2.7', groups: ['192.0.2.7'], family: 4 });
    const g = groupIp('192.0.2.7', { v4: [{ bits: 24, scale: 1 }], v6: one.v6 });
    expect(g.tag).toBe('192.0.2.0/24');
  });
});

// Client IP resolution vectors: X-Forwarded-For believed only through trusted proxies.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolveClientIp } from '../../../src/http/client-ip.js';
import { buildCidrSet } from '../../../src/net/cidr.js';
import { normaliseIp } from '../../../src/net/ip.js';

const v = JSON.parse(readFileSync(new URL('../../vectors/http/client-ip.json', import.meta.url), 'utf8')) as {
  trusted: string[];
  cases: Array<{ name: string; peer: string; xff: string | string[]; client: string }>;
};

describe('resolveClientIp', () => {
  const trusted = buildCidrSet(v.trusted);
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(resolveClientIp(c.peer, c.xff, trusted)).toBe(c.client);
  });
  it('believes nothing when no proxy is trusted', () => {
    expect(resolveClientIp('127.0.0.1', '1.2.3.4', buildCidrSet([]))).toBe('127.0.0.1');
  });
});

describe('normaliseIp', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['1.2.3', ''],
    ['', ''],
  ])('%s -> %s', (a, b) => expect(normaliseIp(a)).toBe(b));
});

describe('buildCidrSet', () => {
  it('matches v4, v6 and mapped forms', () => {
    const s = buildCidrSet(['192.168.0.0/16', '2001:db8::/32', '8.8.8.8', '0.0.0.0/0']);
    expect(s.has('192.168.5.5')).toBe(true);
    expect(s.has('2001:db8:ffff::1')).toBe(true);
    expect(s.has('2001:db9::1')).toBe(false);
    expect(buildCidrSet(['10.0.0.0/8']).has('11.0.0.1')).toBe(false);
    expect(buildCidrSet(['::ffff:10.0.0.0/104']).has('10.1.1.1')).toBe(true);
  });
  it('refuses garbage', () => expect(() => buildCidrSet(['10.0.0.0/x'])).toThrow());
});

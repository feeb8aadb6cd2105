// src/net address parsing: the vector file, CIDR text, and properties against Node's isIP and a naive parser.
import fc from 'fast-check';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalV6,
  normaliseAddress,
  normaliseIp,
  parseForwardedEntry,
  parseV4,
  parseV6,
} from '../../../src/net/ip.js';
import { formatCidr, parseCidr } from '../../../src/net/cidr.js';
import { isCidrOrIp } from '../../../src/config/schema.js';
import { naiveV4, naiveV6 } from './naive.js';

interface Case {
  in: string;
  out: string | null;
  padded?: boolean;
  why?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/net/addresses.json', import.meta.url), 'utf8')) as {
  normalise: Case[];
  socket: Case[];
  cidrs: Case[];
};
const label = (c: Case) => `${JSON.stringify(c.in)} -> ${c.out ?? 'refused'}${c.why ? ` (${c.why})` : ''}`;

const words = (ip: string): bigint | null => {
  const out = new Uint32Array(4);
  return parseV6(ip, out, false) ? [...out].reduce((a, w) => (a << 32n) | BigInt(w), 0n) : null;
};

describe('normaliseAddress', () => {
  it.each(vectors.normalise.map((c) => [label(c), c] as const))('%s', (_n, c) => {
    expect(normaliseAddress(c.in)).toBe(c.out ?? '');
  });

  it('is idempotent and its output is the same address', () => {
    for (const c of vectors.normalise) {
      if (c.out === null) continue;
      expect(normaliseAddress(c.out), c.in).toBe(c.out);
      if (c.out.includes(':')) expect(words(c.out), c.in).toBe(words(c.in));
    }
  });
});

describe('normaliseIp (socket and header addresses)', () => {
  it.each(vectors.socket.map((c) => [label(c), c] as const))('%s', (_n, c) => {
    expect(normaliseIp(c.in)).toBe(c.out ?? '');
  });

  it('reads X-Forwarded-For entries with ports', () => {
    expect(parseForwardedEntry(' 1.2.3.4:8080 ')).toBe('1.2.3.4');
    expect(parseForwardedEntry('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(parseForwardedEntry('2001:db8::1')).toBe('2001:db8::1');
    expect(parseForwardedEntry('unknown')).toBe('');
    expect(parseForwardedEntry('[::1')).toBe('');
  });
});

describe('CIDR text', () => {
  it.each(vectors.cidrs.map((c) => [`${label(c)}${c.padded === false ? ' [config]' : ''}`, c] as const))(
    '%s',
    (_n, c) => {
      const parsed = parseCidr(c.in, c.padded ?? true);
      expect(parsed === null ? null : formatCidr(parsed)).toBe(c.out);
    },
  );

  it('the config accepts exactly what the strict parser accepts', () => {
    for (const c of vectors.cidrs) expect(isCidrOrIp(c.in), c.in).toBe(parseCidr(c.in, false) !== null);
    expect(isCidrOrIp('fe80::1%eth0')).toBe(false);
    expect(isCidrOrIp('10.0.0.0/8')).toBe(true);
  });

  it('canonicalV6 writes RFC 5952 text and reads the list grammar', () => {
    expect(canonicalV6('2001:0DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalV6('::ffff:010.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalV6('nope')).toBe('');
  });
});

// Strings over the characters addresses are made of, with structure often enough to be valid.
const hexGroup = fc
  .integer({ min: 0, max: 0xffff })
  .chain((n) => fc.constantFrom(n.toString(16), n.toString(16).toUpperCase(), n.toString(16).padStart(4, '0')));
const octet = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')),
);
const quad = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
const v6ish = fc
  .tuple(fc.array(hexGroup, { maxLength: 9 }), fc.integer({ min: -1, max: 9 }), fc.option(quad))
  .map(([groups, gapAt, tail]) => {
    const g: string[] = groups.slice();
    if (tail !== null) g.push(tail);
    if (gapAt >= 0 && gapAt <= g.length) g.splice(gapAt, 0, '');
    const s = g.join(':');
    return s.startsWith(':') && !s.startsWith('::') ? `:${s}` : s.endsWith(':') && !s.endsWith('::') ? `${s}:` : s;
  });
const noise = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'.split('')), maxLength: 24 });
const candidate = fc.oneof(quad, v6ish, noise);

describe('properties', () => {
  it('accepts exactly what Node isIP accepts (no zone ids), with the same value as a naive parser', () => {
    fc.assert(
      fc.property(candidate, (s) => {
        const family = isIP(s);
        const out = normaliseAddress(s);
        expect(out !== '', s).toBe(family !== 0);
        if (family === 4) {
          expect(parseV4(s, false)).toBe(naiveV4(s));
          expect(out).toBe(s);
        }
        if (family === 6) {
          expect(words(s), s).toBe(naiveV6(s));
          expect(normaliseAddress(out), s).toBe(out);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses every zone id', () => {
    fc.assert(
      fc.property(v6ish, fc.string({ minLength: 0, maxLength: 8 }), (s, zone) => {
        expect(normaliseAddress(`${s}%${zone}`)).toBe('');
      }),
    );
  });
});

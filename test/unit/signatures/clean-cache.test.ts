// The clean-text memory: kept from the second sighting on, exact membership, bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanCache, fingerprint } from '../../../src/signatures/clean-cache.js';

function remember(c: CleanCache, ...texts: string[]): void {
  for (const t of texts) {
    c.add(t);
    c.add(t);
  }
}

describe('CleanCache', () => {
  it('keeps a text only once it was seen clean twice', () => {
    const c = new CleanCache(10, 1000);
    c.add('a');
    expect(c.has('a')).toBe(false);
    c.add('a');
    expect(c.has('a')).toBe(true);
  });

  it('decides membership on the whole text, whatever the fingerprint says', () => {
    const c = new CleanCache(10, 100_000);
    const base = 'x'.repeat(1000);
    remember(c, base);
    // Same length, a changed character the fingerprint may not sample.
    const other = `${base.slice(0, 500)}y${base.slice(501)}`;
    expect(c.has(other)).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (a, b) => {
        const m = new CleanCache(10, 1000);
        remember(m, a);
        expect(m.has(b)).toBe(a === b);
      }),
    );
  });

  it('forgets everything when the entry bound is reached', () => {
    const c = new CleanCache(3, 1000);
    remember(c, 'a', 'b', 'c');
    expect(c.size).toBe(3);
    remember(c, 'd');
    expect(c.size).toBe(1);
    expect(c.has('d')).toBe(true);
    expect(c.has('a')).toBe(false);
  });

  it('bounds the characters held and never keeps a text longer than the bound', () => {
    const c = new CleanCache(100, 10);
    remember(c, 'x'.repeat(11));
    expect(c.size).toBe(0);
    remember(c, '12345', '67890', 'z');
    expect(c.has('z')).toBe(true);
    expect(c.has('12345')).toBe(false);
  });

  it('is off with zero entries', () => {
    const c = new CleanCache(0, 10);
    remember(c, 'a');
    expect(c.enabled).toBe(false);
    expect(c.has('a')).toBe(false);
  });

  it('fingerprints are deterministic 32-bit numbers', () => {
    expect(fingerprint('abc')).toBe(fingerprint('abc'));
    expect(Number.isInteger(fingerprint(''))).toBe(true);
  });
});

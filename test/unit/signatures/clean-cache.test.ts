// The clean-text memory stays within its entry and character bounds.
import { describe, expect, it } from 'vitest';
import { CleanCache } from '../../../src/signatures/clean-cache.js';

describe('CleanCache', () => {
  it('forgets everything when the entry bound is reached', () => {
    const c = new CleanCache(3, 1000);
    for (const t of ['a', 'b', 'c']) c.add(t);
    expect(c.size).toBe(3);
    c.add('d');
    expect(c.size).toBe(1);
    expect(c.has('d')).toBe(true);
    expect(c.has('a')).toBe(false);
  });

  it('bounds the characters held and never keeps a text longer than the bound', () => {
    const c = new CleanCache(100, 10);
    c.add('x'.repeat(11));
    expect(c.size).toBe(0);
    c.add('12345');
    c.add('67890');
    c.add('z');
    expect(c.has('z')).toBe(true);
    expect(c.has('12345')).toBe(false);
  });

  it('is off with zero entries', () => {
    const c = new CleanCache(0, 10);
    c.add('a');
    expect(c.enabled).toBe(false);
    expect(c.has('a')).toBe(false);
  });
});

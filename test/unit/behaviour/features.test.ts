// Request features: the normalised source, its keyed hash, the cheap complexity count and the packages loaded.
import { describe, expect, it } from 'vitest';
import { MAX_PACKAGES, normaliseTex, packageId, requestFeatures } from '../../../src/behaviour/features.js';
import type { DecodedField } from '../../../src/core/decoded.js';

const code = (value: string, name = 'tikz_code'): DecodedField => ({ name, path: name, value, code: true });
const KEY = 'k'.repeat(32);

describe('normaliseTex', () => {
  it('drops comments and collapses white space, keeping escaped percent signs', () => {
    expect(normaliseTex('\\draw (0,0) -- (1,1); % a line\n\n  \\node {50\\%};  ')).toBe(
      '\\draw (0,0) -- (1,1); \\node {50\\%};',
    );
    expect(normaliseTex('%only a comment')).toBe('');
    // any mix of spaces, tabs, newlines, no-break spaces and comments is one space
    for (const v of ['a  %c\nb', 'a%c\nb', 'a \t\n\u00a0 b', 'a %1\n %2\n\nb', 'a\nb', 'a b'])
      expect(normaliseTex(v)).toBe('a b');
    expect(normaliseTex('x \\% y % z')).toBe('x \\% y');
    expect(normaliseTex('  x  ')).toBe('x');
    expect(normaliseTex('x\\')).toBe('x\\');
  });
});

describe('requestFeatures', () => {
  it('hashes sources that differ only in comments and spacing alike, and others apart', () => {
    const a = requestFeatures([code('\\draw (0,0) -- (1,1);')], 30, KEY);
    const b = requestFeatures([code('  \\draw (0,0)   -- (1,1);   % rotated\n')], 45, KEY);
    const c = requestFeatures([code('\\draw (0,0) -- (2,1);')], 30, KEY);
    expect(a.source).toMatch(/^[0-9a-f]{32}$/);
    expect(b.source).toBe(a.source);
    expect(c.source).not.toBe(a.source);
    // keyed: another key, another hash
    expect(requestFeatures([code('\\draw (0,0) -- (1,1);')], 30, 'x'.repeat(32)).source).not.toBe(a.source);
    // the field's name is part of the source
    expect(requestFeatures([code('\\draw (0,0) -- (1,1);', 'other')], 30, KEY).source).not.toBe(a.source);
  });

  it('counts control words, loops and nesting', () => {
    const f = requestFeatures(
      [code('\\foreach \\x in {1,...,5} { \\foreach \\y in {1,2} { \\fill (\\x,\\y) circle (1pt); } } \\{')],
      0,
      KEY,
    );
    expect(f.loops).toBe(2);
    expect(f.depth).toBe(2);
    expect(f.tokens).toBe(7); // foreach x foreach y fill x y
    expect(f.complexity).toBe(7 + 20 + 10);
  });

  it('says -1 and no source without code fields', () => {
    const f = requestFeatures([{ name: 'title', path: 'title', value: 'x', code: false }], 12, KEY);
    expect(f).toMatchObject({ complexity: -1, source: null, size: 12, packages: [] });
  });

  it('lists the packages and libraries loaded, bounded', () => {
    const f = requestFeatures(
      [code('\\usetikzlibrary{arrows.meta, calc}\\usepackage[utf8]{inputenc} \\usepgfplotslibrary{fillbetween}')],
      0,
      KEY,
    );
    expect(f.packages).toEqual(['arrows.meta', 'calc', 'inputenc', 'fillbetween'].map(packageId));
    const many = Array.from({ length: 40 }, (_, i) => `lib${i}`).join(',');
    expect(requestFeatures([code(`\\usetikzlibrary{${many}}`)], 0, KEY).packages).toHaveLength(MAX_PACKAGES);
  });

  it('gives short, stable package ids', () => {
    expect(packageId('calc')).toBe(packageId('calc'));
    expect(packageId('calc')).not.toBe(packageId('calc2'));
    expect(packageId('calc')).toMatch(/^[0-9a-z]{1,7}$/);
  });
});

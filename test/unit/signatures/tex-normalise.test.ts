// The `tex` transform against hand-written vectors (test/vectors/signatures/tex-normalise.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { texNormalise } from '../../../src/signatures/transforms/tex.js';
import { decodeCarets } from '../../../src/signatures/transforms/tex-caret.js';

interface Vector {
  note: string;
  in: string;
  out: string;
}

const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/tex-normalise.json'), 'utf8'),
) as Vector[];

describe('tex transform', () => {
  for (const v of vectors) {
    it(v.note, () => {
      expect(texNormalise(v.in)).toBe(v.out);
    });
  }

  it('leaves text without carets untouched in the caret pass', () => {
    const d = decodeCarets('\\draw (0,0) -- (1,1);');
    expect(d.marks).toBeNull();
    expect(d.text).toBe('\\draw (0,0) -- (1,1);');
  });

  it('marks decoded characters', () => {
    const d = decodeCarets('a^^41b');
    expect(d.text).toBe('aAb');
    expect([...d.marks!]).toEqual([0, 1, 0]);
  });

  it('does not recurse deeply on chains of rebuilt names', () => {
    const s = '\\begin' + '{begin}'.repeat(50_000);
    expect(() => texNormalise(s)).not.toThrow();
  });
});

// The bytes RE2 reads: always exactly Buffer.from(text), whether they come from the shared scratch buffer
// (ASCII) or a fresh one (anything else: a truncated or mis-encoded text would hide a match).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/signatures/bytes.js';

const same = (s: string): void => expect(Buffer.compare(utf8(s), Buffer.from(s))).toBe(0);

describe('utf8', () => {
  it('gives the UTF-8 bytes of ASCII, non-ASCII, astral and lone-surrogate texts', () => {
    for (const s of ['', 'a', '\\input{x}', 'é', 'x\u00e9', '\u{1f600}', 'a\ud800', '\udc00b', 'ſ\u212a', '\0\x7f'])
      same(s);
  });

  it('is exact after the scratch buffer grows, and for texts that end in non-ASCII just past a bound', () => {
    same('a'.repeat(5000));
    same(`${'a'.repeat(4095)}é`);
    same(`${'b'.repeat(10_000)}\u{1f600}`);
    same('c'.repeat(3));
  });

  it('equals Buffer.from on generated texts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        same(s);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (s) => {
        same(s);
      }),
    );
  });
});

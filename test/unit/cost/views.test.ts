// The estimate reads a code field the way the signatures do: its percent-decoded view, the pieces of a field sent
// several times joined, and through the TeX normaliser when a comment may not be one (a `%` after a letter
// joining a word, `\verb|%|`, a category-code change), where a `%` left in the normalised text is text.
import { describe, expect, it } from 'vitest';
import { estimateFields } from '../../../src/cost/estimate.js';
import type { DecodedField } from '../../../src/core/decoded.js';

const LOOP = '\\foreach \\x in {1,...,100000000} {\\fill (\\x,0) circle (1pt);}';
const code = (value: string, name = 'tikz_code'): DecodedField => ({ name, path: name, value, code: true });
const units = (fields: DecodedField[]) => estimateFields(fields, { defaultBound: 1000 }).units;

describe('what the estimate reads', () => {
  it('a loop cut across the pieces of a repeated field costs what it costs joined', () => {
    const at = LOOP.indexOf('...');
    const pieces = [code(LOOP.slice(0, at + 2)), code(LOOP.slice(at + 2))];
    expect(units(pieces.map((p) => ({ ...p })).slice(0, 1))).toBeLessThan(1e6);
    expect(units(pieces)).toBeGreaterThanOrEqual(1e8);
    // pieces of two different fields are not joined
    expect(units([code(LOOP.slice(0, at + 2), 'a'), code(LOOP.slice(at + 2), 'b')])).toBeLessThan(1e6);
  });

  it('a percent-encoded field is read decoded too', () => {
    const encoded = LOOP.replace(/\./g, '%2E');
    expect(units([code(encoded)])).toBeGreaterThanOrEqual(1e8);
  });

  it('a comment joining a word, and a percent that is no comment, are read as TeX reads them', () => {
    expect(units([code('\\draw[domain=0:1,sam%\nples=10000000] plot (\\x,{sin(\\x r)});')])).toBeGreaterThanOrEqual(
      1e8,
    );
    expect(units([code(`\\verb|%|${LOOP}`)])).toBeGreaterThanOrEqual(1e8);
    // an ordinary comment still hides what follows it
    expect(units([code(`\\draw (0,0) -- (1,1); % ${LOOP}`)])).toBeLessThan(100);
  });
});

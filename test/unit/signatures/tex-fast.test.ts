// The TeX normaliser's fast path for ordinary text must give exactly what the general path gives: over
// generated texts mixing TikZ with every construct the general path handles, the hand-written vectors,
// the benign documents, the attack corpus and (when fetched) the PGF manual's examples.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { texNormaliseCounted } from '../../../src/signatures/transforms/tex.js';
import { texAttacks } from '../../corpus/attacks.js';
import { extractSamples, hasPgfManual, pgfManualDir } from '../../corpus/pgf-manual.js';

const PIECES = [
  ...['\\', '{', '}', '%', '^^', '^', '~', '#', '*', '@', '=', '`', '"', '/', '.', ',', '$', '(', ')', '[', ']'],
  ...[' ', ' ', ' ', '  ', '\n', '\n  ', '\t', '\r', '\r\n', '\f', '\v', '\u0000', 'é', 'ﷺ', '⟪'],
  ...['a', 'x', 'draw', 'node', '18', '5c', '(0,1)', '[thick]', '%c\n   ', '%', '\\\\', '\\,', '\\%', '\\{'],
  ...['\\x', '\\draw', '\\foo ', '\\begin{', '\\end{', '\\begin {x}', '\\end{x*}', '\\begin{tikzpicture}'],
  ...['csname', 'endcsname', 'let', 'def', 'edef', 'newcommand', 'begin', 'end', 'lowercase', 'uppercase'],
  ...['expandafter', 'string', 'input', 'write', 'if', 'fi', '@nameuse', 'csuse', 'cslet', 'verbatim'],
  ...['verbatim}', 'a*}', 'csname}', 'input}', 'lowercase}', 'tikzpicture}', 'x}', '\\verb|', '\\url{'],
];
const texty = fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }).map((a) => a.join(''));
// Braces with definitions and case groups: the fast path leaves the brace depth alone (see tex-fast.ts).
const GROUPS = [
  ...['{', '}', '}}', '{{', '}}}', 'x', 'A', ' ', '%\n', '\\x', '\\z', '\\w', '\\q', '\\k', '~', '\\fi', '\\ifx'],
  ...['\\def\\x{', '\\def\\x', '\\lowercase{', '\\lowercase', '\\uppercase{A', '\\edef\\y{', '\\let\\z=\\input'],
  ...['\\newcommand{\\w}{', '\\csname a\\endcsname', '\\expandafter', '\\string', '\\begin{x}', '\\end{x}'],
  ...['\\@firstofone{\\def}\\q{', '\\futurelet\\a\\b\\c', '\\cslet{k}\\input', '\\verb|}|', '\\let~\\write'],
];
const grouped = fc.array(fc.constantFrom(...GROUPS), { maxLength: 60 }).map((a) => a.join(''));

function same(s: string): void {
  const fast = texNormaliseCounted(s, true);
  const general = texNormaliseCounted(s, false);
  expect(fast.text).toBe(general.text);
  expect(fast.steps).toBeLessThanOrEqual(8 * s.length + 16);
}

describe('tex fast path', () => {
  it('gives the general path output on generated texts', () => {
    fc.assert(fc.property(texty, same), { numRuns: 20_000 });
    fc.assert(fc.property(grouped, same), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), same), { numRuns: 2_000 });
  });

  it('gives the general path output on the vectors, benign documents and attack payloads', () => {
    const dir = join(import.meta.dirname, '../../vectors/signatures');
    const vectors = JSON.parse(readFileSync(join(dir, 'tex-normalise.json'), 'utf8')) as { in: string }[];
    for (const v of vectors) same(v.in);
    for (const f of readdirSync(join(dir, 'benign-tex'))) same(readFileSync(join(dir, 'benign-tex', f), 'utf8'));
    for (const a of texAttacks()) same(a.tex);
  });

  it.skipIf(!hasPgfManual())('gives the general path output on the PGF manual examples', () => {
    const dir = pgfManualDir();
    let n = 0;
    for (const f of readdirSync(dir).filter((x) => /^pgfmanual-en-.*\.tex$/.test(x))) {
      for (const s of extractSamples(f, readFileSync(join(dir, f), 'utf8'))) {
        same(s.text);
        n++;
      }
    }
    expect(n).toBeGreaterThan(2000);
  });
});

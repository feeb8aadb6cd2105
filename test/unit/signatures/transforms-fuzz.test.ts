// Property tests: every named transform terminates without throwing on any input and stays within its
// declared output bound; the TeX normaliser's step counter stays linear in the input length.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainTrigger, TRANSFORMS } from '../../../src/signatures/transforms/index.js';
import { texNormaliseCounted } from '../../../src/signatures/transforms/tex.js';
import { decodeCarets } from '../../../src/signatures/transforms/tex-caret.js';

// TeX's and the web's interesting characters, so generated texts hit the special paths often.
const PIECES = [
  '\\',
  '{',
  '}',
  '%',
  '^^',
  '^',
  '~',
  '#',
  ' ',
  '\n',
  '\t',
  '=',
  '`',
  '"',
  "'",
  '&',
  ';',
  '/',
  '.',
  '+',
  'csname',
  'endcsname',
  'let',
  'def',
  'edef',
  'newcommand',
  'begin',
  'end',
  'lowercase',
  'uppercase',
  'expandafter',
  'string',
  'input',
  'write',
  '18',
  '5c',
  '69',
  'if',
  'fi',
  '@nameuse',
  'csuse',
  'cslet',
  '%2e',
  '%25',
  '%u0041',
  '&lt;',
  '&#x3c;',
  '&#60',
  '/*',
  '*/',
  '/*!',
  'ﷺ',
  'İ',
  '＜',
  'é',
  '\u0000',
];
const texty = fc.array(fc.constantFrom(...PIECES), { maxLength: 400 }).map((a) => a.join(''));
const anyText = fc.oneof(
  texty,
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

describe('transforms', () => {
  for (const [name, t] of TRANSFORMS) {
    it(`${name}: never throws and respects its size bound`, () => {
      fc.assert(
        fc.property(anyText, (s) => {
          const out = t.fn(s);
          expect(typeof out).toBe('string');
          expect(out.length).toBeLessThanOrEqual(t.maxLength(s.length));
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('tex: steps are linear in the input length (at most 8 per character plus a constant)', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const { steps } = texNormaliseCounted(s);
        expect(steps).toBeLessThanOrEqual(8 * s.length + 16);
      }),
      { numRuns: 1500 },
    );
  });

  it('tex: adversarial repetitions stay linear', () => {
    const shapes = [
      '\\csname ',
      '\\let\\a\\b ',
      '\\def\\a{',
      '\\def\\a{\\a',
      '\\begin{',
      '{begin}',
      '\\lowercase{',
      '^^5e',
      '^^^^',
      '\\expandafter',
      '\\string',
      '\\let\\x=',
      '%\n',
      '\\csname\\csname',
      '\\@nameuse{',
      '\\let~\\input ~',
      '\\url{a}',
      '\\url{%}',
      '\\href[',
      '\\href{',
      '\\verb|',
      '\\begin{verbatim}',
      '\\catcode`\\%=12 ',
    ];
    for (const shape of shapes) {
      for (const n of [1_000, 20_000]) {
        const s = shape.repeat(Math.ceil(n / shape.length)).slice(0, n);
        const { text, steps } = texNormaliseCounted(s);
        expect(steps, shape).toBeLessThanOrEqual(8 * s.length + 16);
        expect(text.length, shape).toBeLessThanOrEqual(18 * s.length + 16);
      }
    }
  });

  it('caret decoding never grows the text and takes at most one step per character', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const counter = { steps: 0 };
        const d = decodeCarets(s, counter);
        expect(d.text.length).toBeLessThanOrEqual(s.length);
        expect(counter.steps).toBeLessThanOrEqual(s.length);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('transform triggers', () => {
  for (const [name, t] of TRANSFORMS) {
    if (t.trigger === null) continue;
    const trigger = t.trigger;
    it(`${name}: a text its trigger misses comes back unchanged`, () => {
      fc.assert(
        fc.property(anyText, (s) => {
          if (!trigger.test(s)) expect(t.fn(s)).toBe(s);
        }),
        { numRuns: 1500 },
      );
    });
  }
});

describe('chain triggers', () => {
  const withTrigger = [...TRANSFORMS.values()].filter((t) => t.trigger !== null);
  const chains = [
    ...withTrigger.map((t) => [t]),
    ['url', 'html', 'nfkc', 'sql_comments'].map((n) => TRANSFORMS.get(n)!),
    ['nfkc', 'lower', 'compress_ws', 'remove_nulls'].map((n) => TRANSFORMS.get(n)!),
  ];
  for (const chain of chains) {
    const name = chain.map((t) => t.name).join(',');
    it(`${name}: the character scan of short texts is set off whenever a transform's regex is`, () => {
      const scan = chainTrigger(chain)!;
      fc.assert(
        fc.property(anyText, (s) => {
          for (const text of [s, s.slice(0, 64)]) {
            if (chain.some((t) => t.trigger!.test(text))) expect(scan.test(text)).toBe(true);
            else expect(chain.every((t) => t.fn(text) === text)).toBe(true);
          }
        }),
        { numRuns: 3000 },
      );
    });
  }
});

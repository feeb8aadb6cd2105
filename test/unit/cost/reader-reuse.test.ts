// What the cost reader's speed rests on must not change its answers: one reader serves every estimate (reset
// per text: nothing of one text may reach the next), and the `%` tricks are found without a regular expression
// (the same answer as the one it replaced, for every text).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateFields, estimateText } from '../../../src/cost/estimate.js';
import { CostReader, percentTricks } from '../../../src/cost/reader.js';

const O = { defaultBound: 1000 };
const BENCH = (
  JSON.parse(readFileSync(new URL('../../../bench/bodies/tikz-620.json', import.meta.url), 'utf8')) as {
    tikz_code: string;
  }
).tikz_code;
/** Texts that leave much behind in a reader: definitions, values, lists, open scopes, local keys, a `%`. */
const BUSY = [
  BENCH,
  '\\def\\n{40}\\pgfmathsetmacro{\\m}{\\n*2}\\foreach \\x in {1,...,\\m} { \\draw[samples=70] plot (\\x,1);',
  '\\loop \\ifnum\\i<300 \\draw[decorate,decoration={koch snowflake}] (0,0) -- (9,0); \\repeat',
  '\\def\\f#1{\\ifnum#1>0 \\f{#1}\\f{#1}\\fi}\\f{12} \\edef\\x{\\x\\x} \\x\\x',
  '\\draw[step=0.1,scale=4] (0,0) grid (9,9); \\tikzset{xscale=3} \\draw[l-system={order=9}] l-system; % \\catcode',
  '\\setcounter{c}{50}\\whiledo{\\value{c}<900}{\\multido{\\i=0+1}{30}{\\node{};}',
];

/** A reader's own data (its lookup function aside, made per reader), for comparing a reused reader to a new one. */
function state(r: CostReader): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== 'function'));
}

/** The regular expression the reader used (reader.ts percentTricks gives its answers). */
const PERCENT_TRICKS = /\\(?:catcode|verb|url|href|makeother|@makeother|scantokens|everyeof|detokenize)|verbatim/;

describe('one reader for every text', () => {
  it('is, once reset, as a new reader is', () => {
    const used = new CostReader('', O);
    for (const before of BUSY)
      for (const next of ['', 'x', BENCH]) {
        used.reset(before, O).run();
        expect(state(used.reset(next, O, true))).toEqual(state(new CostReader(next, O, true)));
        used.reset(before, O, true).run();
        expect(state(used.reset(next, O))).toEqual(state(new CostReader(next, O)));
      }
  });

  it('gives a text the same estimate whatever was estimated before it', () => {
    const alone = BUSY.map((t) => estimateText(t, O));
    for (const before of BUSY) {
      const fields = estimateFields([{ name: 'tikz_code', path: 'tikz_code', value: before, code: true }], O);
      BUSY.forEach((t, k) => expect(estimateText(t, O)).toEqual(alone[k]));
      expect(estimateFields([{ name: 'tikz_code', path: 'tikz_code', value: before, code: true }], O)).toEqual(fields);
    }
  });

  it('reads a text longer than its shared array (one of its own) as it reads a shorter one', () => {
    // blanks before a text change no count, only the characters looked at; 70,000 are more than the shared array
    // holds (reader.ts SCRATCH_UNITS), so the padded text is read from an array of its own
    const pad = ' '.repeat(70_000);
    // numbers as keys and coordinates write them: read from the shared array by a copy of readNumber's steps
    const numbers = [
      '\\draw[samples=1e2,step=5e-1,scale=-2.5] plot (\\x,1) (0.25,1e1) grid (3.25e1,2pt);',
      '\\draw[xstep=1.e,ystep=2E+1,samples=07,scale=1e-] (1e,2) grid (3.,-4.5cm) (0:1) -- (90:2.5in);',
      '\\draw[step=0.5 ,samples= 12;] (0 , 0) grid (1 ,1 ) ; \\draw[decorate,segment length=3] (0,0)--(9,9);',
    ];
    for (const t of [...BUSY, ...numbers]) {
      const short = estimateText(t, O);
      const long = estimateText(pad + t, O);
      expect({ units: long.units, totals: long.totals }).toEqual({ units: short.units, totals: short.totals });
    }
  });

  it('hands out totals of its own (a later estimate does not change an earlier one)', () => {
    const first = estimateText(BUSY[1]!, O);
    const copy = [...first.totals];
    estimateText(BUSY[2]!, O);
    expect(first.totals).toEqual(copy);
  });
});

describe('percentTricks', () => {
  const names = ['catcode', 'verb', 'url', 'href', 'makeother', '@makeother', 'scantokens', 'everyeof', 'detokenize'];
  const texts = [
    '',
    '\\',
    'verbatim',
    'xverbatimx',
    '\\begin{verbatim}',
    '\\\\catcode',
    '\\Verb',
    '\\cat',
    '\\ver',
    '\\dospecials',
    '\\draw\\end\\href',
    ...names.flatMap((n) => [`\\${n}`, `\\${n}x`, `x\\${n.slice(0, -1)}`, `\\${n.toUpperCase()}`, `a \\ ${n}`]),
    ...BUSY,
  ];
  for (const t of texts) it(JSON.stringify(t), () => expect(percentTricks(t)).toBe(PERCENT_TRICKS.test(t)));

  it('finds a trick the main pass reads past (a key value, a list) before a `%`', () => {
    for (const t of [
      '\\draw[samples={\\catcode}] plot (1,1); % x',
      '\\foreach \\i in {1,\\verb|a|,3} {} % x',
      '\\draw[scale=\\\\url] (0,0); % x',
    ])
      expect(estimateText(t, O).normalised, t).toBe(true);
    expect(estimateText('\\draw[samples={\\catcodx}] plot (1,1); % x', O).normalised).toBe(false);
  });

  it('finds carets and the first `%` wherever they are: a list, a key value, a comment', () => {
    for (const t of [
      '\\foreach \\x in {1,^^32} {}',
      '\\draw[samples=^^35] plot (1,1);',
      '\\draw (0,0); % ^^41',
      '\\draw (0,0); %x\n\\draw (1,1); % ^^41',
    ])
      expect(estimateText(t, O).normalised, t).toBe(true);
    expect(estimateText('\\draw (0,0); % ^x^', O).normalised).toBe(false);
    // the text's only `%` is in a list, where it joins the two halves of the loop's bound
    expect(estimateText('\\foreach \\x in {1,...,1000%\n00000} {}', O).units).toBeGreaterThan(1e7);
  });
});

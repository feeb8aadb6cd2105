// The cost estimate: the vectors of test/vectors/cost/constructs.json (code -> construct and a units range),
// the breakdown's bounds, and linear work on inputs made to make a reader look back or ahead.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateFields, estimateText } from '../../../src/cost/estimate.js';
import { CONSTRUCTS } from '../../../src/cost/constructs.js';
import { evaluate, readNumber } from '../../../src/cost/numbers.js';
import { countList, UNBOUNDED } from '../../../src/cost/lists.js';
import { predictSeconds } from '../../../src/cost/model.js';

interface Vector {
  readonly name: string;
  readonly code: string;
  readonly construct: string | null;
  readonly units: readonly [number, number];
}
const file = JSON.parse(readFileSync(new URL('../../vectors/cost/constructs.json', import.meta.url), 'utf8')) as {
  default_bound: number;
  vectors: Vector[];
};
const O = { defaultBound: file.default_bound };

function top(totals: readonly number[]): string | null {
  let best = 0;
  let name: string | null = null;
  totals.forEach((v, k) => {
    if (v > best) [best, name] = [v, CONSTRUCTS[k]!];
  });
  return name;
}

describe('cost estimate vectors', () => {
  it('has vectors for every construct', () => {
    const named = new Set(file.vectors.map((v) => v.construct));
    for (const c of CONSTRUCTS) expect(named.has(c), c).toBe(true);
  });
  for (const v of file.vectors) {
    it(v.name, () => {
      const r = estimateText(v.code, O);
      expect(top(r.totals)).toBe(v.construct);
      expect(r.units).toBeGreaterThanOrEqual(v.units[0]);
      expect(r.units).toBeLessThanOrEqual(v.units[1]);
    });
  }
});

describe('estimateFields', () => {
  const field = (value: string, name = 'tikz_code', code = true) => ({ name, path: name, value, code });
  it('sums code fields, names each term by field and construct, largest first, bounded', () => {
    const r = estimateFields(
      [
        field('\\foreach \\x in {1,...,100} {}'),
        field('\\draw[samples=500] plot (\\x,\\x);', 'other'),
        field('\\foreach \\x in {1,...,1000000} {}', 'title', false),
      ],
      O,
    );
    expect(r.units).toBe(100 + 5001);
    expect(r.breakdown).toEqual([
      { construct: 'plot-samples', factor: 5000, field: 'other' },
      { construct: 'foreach', factor: 100, field: 'tikz_code' },
      { construct: 'paths', factor: 1, field: 'other' },
    ]);
    const many = estimateFields(
      [
        field(
          '\\loop\\iftrue\\repeat\\def\\a{\\a}\\a\\draw[step=0.1] (0,0) grid (1,1);\\draw plot (\\x,\\x);\\foreach \\x in {1,2} {}\\multido{}{3}{}\\whiledo{\\value{x}<5}{}\\edef\\y{\\y\\y}',
        ),
      ],
      O,
      4,
    );
    expect(many.breakdown).toHaveLength(4);
    expect(many.breakdown[0]!.factor).toBeGreaterThanOrEqual(many.breakdown[3]!.factor);
  });
  it('is zero without code fields, and never carries the code', () => {
    expect(estimateFields([field('\\foreach \\x in {1,...,10} {}', 'title', false)], O)).toEqual({
      units: 0,
      breakdown: [],
    });
    const r = estimateFields([field('\\foreach \\secret in {1,...,10} {\\node {password};}')], O);
    expect(JSON.stringify(r)).not.toMatch(/secret|password/);
  });
  it('an unknown bound is the configured default, never 0', () => {
    expect(estimateText('\\foreach \\x in {1,...,#1} {}', { defaultBound: 77 }).units).toBe(78);
    expect(estimateText('\\foreach \\x in \\nowhere {}', { defaultBound: 77 }).units).toBe(77);
    expect(
      estimateText('\\foreach \\x in {1,...,\\n} \\foreach \\y in {1,...,\\n} {}', { defaultBound: 50 }).units,
    ).toBe(51 * 51);
    expect(estimateText('\\draw[samples=\\s] plot (\\x,\\x);', { defaultBound: 50 }).units).toBe(501);
  });
  it('path-local keys end with their path; keys set elsewhere last', () => {
    expect(estimateText('\\draw[samples=900] plot (\\x,\\x); \\draw plot (\\x,\\x);', O).units).toBe(9000 + 250 + 2);
    expect(estimateText('\\tikzset{samples=900} \\draw plot (\\x,\\x); \\draw plot (\\x,\\x);', O).units).toBe(
      18000 + 2,
    );
  });
});

describe('numbers and lists', () => {
  const none = (_name: string): number => NaN;
  it('reads numbers with units and exponents, and small expressions', () => {
    expect(readNumber('1.5e3', 0, 5)).toBe(1500);
    expect(readNumber('-.25', 0, 4)).toBe(-0.25);
    expect(readNumber('x', 0, 1)).toBeNaN();
    const ev = (s: string, look: (name: string) => number = none) => evaluate(s, 0, s.length, look);
    expect(ev('2*10^3')).toBe(2000);
    expect(ev('(1+2)*3-4/2')).toBe(7);
    expect(ev('\\the\\numexpr 3*\\n\\relax', (n) => (n === 'n' ? 5 : NaN))).toBe(15);
    expect(ev('\\value{c}+1', (n) => (n === ' c' ? 9 : NaN))).toBe(10);
    expect(ev('int(2.7)+round(1.5)+floor(1.2)+ceil(1.2)+abs(-1)+sqrt(4)+pow(2,3)+max(1,2)+min(1,2)')).toBe(21);
    expect(ev('10pt')).toBeCloseTo((10 * 2.54) / 72.27);
    expect(ev('2mm+1cm+1in+1bp+1em+1ex+1pc+1sp+1dd')).toBeGreaterThan(3.7);
    expect(ev('foo(1)')).toBeNaN();
    expect(ev('\\undefined')).toBeNaN();
    expect(ev('('.repeat(100) + '1' + ')'.repeat(100))).toBeNaN();
    expect(ev('2^'.repeat(40) + '1')).toBeNaN();
  });
  it('counts lists', () => {
    const c = (s: string) => countList(s, 0, s.length, none, 1000).count;
    expect(c('1,...,10')).toBe(10);
    expect(c('0,0.1,...,1')).toBe(11);
    expect(c('10,...,1')).toBe(10);
    expect(c('1,2,3')).toBe(3);
    expect(c('A,...,Z')).toBe(26);
    expect(c('1,...,5,...,9')).toBe(9);
    expect(c('{1,2},{3,4}')).toBe(2);
    expect(c('0,0,...,1')).toBe(UNBOUNDED);
    expect(c('1,...')).toBe(1001);
    expect(c('...,10')).toBe(9);
    expect(c('')).toBe(0);
  });
  it('predicts seconds from units', () => {
    expect(predictSeconds({ base_s: 0.5, exponent: 0 }, 1e9)).toBe(0.5);
    expect(predictSeconds({ base_s: 1, exponent: 1 }, 9)).toBe(10);
    expect(predictSeconds({ base_s: 1, exponent: 2 }, 1e15)).toBe(1e9);
  });
});

describe('linear work', () => {
  const attacks = [
    '\\foreach'.repeat(5000),
    '\\foreach \\x in {'.repeat(3000),
    '{'.repeat(20000) + '}'.repeat(20000),
    '\\loop'.repeat(5000) + '\\repeat'.repeat(5000),
    '\\def\\a{'.repeat(3000),
    '\\draw decorate{'.repeat(3000) + '(0,0)' + '}'.repeat(3000) + ';',
    '(1,1) grid '.repeat(5000),
    '\\pgfmathsetmacro{\\n}{'.repeat(3000),
    'samples at={'.repeat(3000),
    '\\ifnum'.repeat(5000),
    '\\foreach \\x in {1,...,9} '.repeat(3000) + '{}',
    '% comment\n'.repeat(5000),
    '\\whiledo{'.repeat(3000),
    '\\def\\x{\\x\\x}\\x'.repeat(2000),
  ];
  for (const a of attacks) {
    it(`${JSON.stringify(a.slice(0, 24))}... x${a.length}`, () => {
      const r = estimateText(a, O);
      expect(r.steps).toBeLessThanOrEqual(40 * a.length + 100);
      expect(Number.isFinite(r.units)).toBe(true);
    });
  }
  it('steps grow linearly with the input', () => {
    const unit = '\\foreach \\x in {1,...,10} {\\draw[samples=20,step=0.5] (0,0) grid (1,1) plot (\\x,\\x);}';
    const a = estimateText(unit.repeat(100), O).steps;
    const b = estimateText(unit.repeat(1000), O).steps;
    expect(b / a).toBeLessThan(11);
  });
});

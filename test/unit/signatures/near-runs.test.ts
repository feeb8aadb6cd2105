// The split prefilter's digit parts look only next to number runs (prefilter.ts nearRuns): whenever a rule's
// whole pattern matches a text, the part must let the rule through, and the reach it computes
// (regex-extent.ts) must be what the items allow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { planPattern } from '../../../src/signatures/prefilter-plan.js';
import { buildSplitPrefilter, splitHits } from '../../../src/signatures/prefilter.js';
import { parsePattern } from '../../../src/signatures/regex-items.js';
import { inNumberRun, maxUnits } from '../../../src/signatures/regex-extent.js';
import type { RuleSpec } from '../../../src/signatures/rule.js';

interface Vector {
  readonly pattern: string;
  readonly near: boolean;
}
const { patterns } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/signatures/near-run-patterns.json'), 'utf8'),
) as { patterns: Vector[] };

const ruleOf = (pattern: string): RuleSpec => ({ pattern, ignoreCase: false }) as unknown as RuleSpec;

describe('digit parts next to number runs', () => {
  it('plans each vector as a digit part, with a reach exactly when its items bound one', () => {
    for (const v of patterns) {
      const plans = planPattern(v.pattern, false);
      expect(
        plans.map((p) => p.kind),
        v.pattern,
      ).toEqual(['digits']);
      expect(plans[0]!.near !== undefined, v.pattern).toBe(v.near);
      const [part] = buildSplitPrefilter([ruleOf(v.pattern)]);
      expect(part!.near !== null, v.pattern).toBe(v.near);
    }
  });

  it('measures reach from the items: number-run items add none, bounded ones their width', () => {
    const items = (p: string) => parsePattern(p)[0]!;
    expect(items('\\d*\\.(?:\\.\\d+)?').every(inNumberRun)).toBe(true);
    expect(items('[0-9]').every(inNumberRun)).toBe(true);
    expect(items('\\s').some(inNumberRun)).toBe(false);
    expect(items('(?:\\d|x)').some(inNumberRun)).toBe(false);
    expect(maxUnits(items('ab?'))).toBe(4);
    expect(maxUnits(items('(?:pt|truein)\\b'))).toBe(12);
    expect(maxUnits(items('a{2,5}'))).toBe(10);
    expect(maxUnits(items('x*'))).toBe(Infinity);
    expect(maxUnits(items('^$'))).toBe(0);
    const near = planPattern(',\\s?[-+]?\\d*\\.\\d{5,}\\d*\\s?,\\s?\\.\\.\\.', false)[0]!.near!;
    // before: `,\s?[-+]?` (the `\d*\.` before the digits stay in the run); after: `\s?,\s?...`
    expect([near.before, near.after]).toEqual([6, 12]);
    // an unbounded prefix is dropped (a looser pattern), not measured
    expect(planPattern('x.*\\d{6}y', false)[0]!.near).toEqual({ source: '\\d{6}y', before: 0, after: 2 });
  });

  it('never hides a match: whenever the whole pattern matches, the part lets its rule through', () => {
    // one prefilter per pattern: a part looks next to runs only when all its patterns can
    const splits = patterns.map((v) => buildSplitPrefilter([ruleOf(v.pattern)]));
    const whole = patterns.map((v) => new RE2(v.pattern, 'mu'));
    const alphabet = ['0', '1', '5', '9', '.', ',', ' ', '\n', '-', '+', 'p', 't', 'c', 'm', 'x', 'y', '!', 'a', 'é'];
    const chunk = fc.oneof(
      { arbitrary: fc.constantFrom(...alphabet), weight: 3 },
      {
        arbitrary: fc.constantFrom(
          '12345',
          '999999',
          '1234567',
          '...',
          '..., ',
          ', -',
          '12-34-',
          'pt',
          'truein',
          '!',
          '.1.2.3.4.5.6.7.8',
          '1.2.3.4.5.6.7.8.',
        ),
        weight: 3,
      },
      { arbitrary: fc.stringMatching(/^[0-9.]{1,12}$/), weight: 2 },
      // long stretches with no number: windows stay small beside the text, so they are what is tested
      { arbitrary: fc.constantFrom('q'.repeat(300), `${'q'.repeat(200)}\n`), weight: 1 },
    );
    const text = fc.array(chunk, { maxLength: 40 }).map((a) => `${'q'.repeat(300)} ${a.join('')} ${'q'.repeat(300)}`);
    let matched = 0;
    fc.assert(
      fc.property(text, (s) => {
        const buf = Buffer.from(s);
        whole.forEach((re, i) => {
          if (!re.test(s)) return;
          matched++;
          expect(splitHits(splits[i]!, s, buf), `${patterns[i]!.pattern} on ${JSON.stringify(s)}`).toEqual([0]);
        });
      }),
      { numRuns: 4000 },
    );
    // the generator must reach the patterns often, or the property says nothing
    expect(matched).toBeGreaterThan(300);
  });

  it('looks beyond the windows when numbers cover most of the text, and finds what lies far from them', () => {
    const pattern = '(?:^|[^\\d.])\\d{5,}(?:\\.\\d*)?\\s?(?:pt|cm|truein)\\b';
    const split = buildSplitPrefilter([ruleOf(pattern)]);
    const re = new RE2(pattern, 'mu');
    const filler = 'a'.repeat(5000);
    for (const s of [
      `${filler} 123456 pt`,
      `12345 pt ${filler}`,
      `${'12345,'.repeat(200)} 99999cm`,
      `é${filler}x 77777truein`,
    ]) {
      expect(re.test(s)).toBe(true);
      expect(splitHits(split, s, Buffer.from(s)), s.slice(-20)).toEqual([0]);
    }
    for (const s of [`${filler} 123456 px`, `${filler}1234 pt`, `${'12345,'.repeat(200)}`]) {
      expect(re.test(s)).toBe(false);
      expect(splitHits(split, s, Buffer.from(s)), s.slice(-20)).toBeNull();
    }
  });
});

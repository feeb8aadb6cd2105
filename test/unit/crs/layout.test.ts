// Where target sets' values are in a request, found once per layout (crs/layout.ts): layouts tell key lists
// apart however their keys are cut, the cache is bounded, and requests of one layout read their own values
// by position (names, counts, exclusions and key regexes as resolved for the first of them).
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../../src/crs/compile.js';
import { lexSecLang } from '../../../src/crs/directives.js';
import { evaluate } from '../../../src/crs/engine.js';
import type { CrsInput } from '../../../src/crs/input.js';
import { LayoutCache, layoutHash } from '../../../src/crs/layout.js';
import { planOf } from '../../../src/crs/plan.js';
import type { Program } from '../../../src/crs/rule.js';
import { crsInput, entry as e } from '../../helpers/crs-input.js';

function program(text: string): Program {
  const { directives } = lexSecLang(text, 't.conf');
  const { program: p, problems } = compileProgram(directives, { readData: () => '' });
  expect(problems).toEqual([]);
  return p;
}

/** What a request answers: the variables matched, in order (memo off: nothing kept, the layout found afresh). */
const named = (p: Program, i: CrsInput, memo = true): string[] =>
  evaluate(p, i, { memo }).matches.map((m) => `${m.id} ${m.variable}`);

describe('the layouts of requests', () => {
  const p = program(`SecRule ARGS "@rx x" "id:1,phase:2,pass,log"`);

  it('differ for key lists however their keys are cut, and for the same keys in other collections', () => {
    const c = new LayoutCache<never, never>(planOf(p));
    const inputs = [
      crsInput({ argsPost: [e('ab', ''), e('c', '')] }),
      crsInput({ argsPost: [e('a', ''), e('bc', '')] }),
      crsInput({ argsPost: [e('a:1', '')] }),
      crsInput({ argsPost: [e('a', ''), e('1', '')] }),
      crsInput({ argsGet: [e('ab', ''), e('c', '')] }),
      crsInput({ headers: [e('ab', ''), e('c', '')] }),
      crsInput({ cookies: [e('ab', ''), e('c', '')] }),
      crsInput({ argsPost: [e('c', ''), e('ab', '')] }),
    ];
    const hashes = inputs.map(layoutHash);
    expect(new Set(hashes).size).toBe(inputs.length);
    const layouts = inputs.map((i) => c.get(i));
    expect(new Set(layouts).size).toBe(inputs.length);
    inputs.forEach((i, k) => {
      expect(c.get(i)).toBe(layouts[k]);
      inputs.forEach((j, n) => expect(layouts[k]!.fits(j)).toBe(k === n));
    });
  });

  it('under one hash, are told apart by their keys (a collision costs a layout found again)', () => {
    const c = new LayoutCache<never, never>(planOf(p));
    // Found by search: two one-argument requests whose key lists hash alike.
    const a = crsInput({ argsPost: [e('k5tzx', 'evil')] });
    const b = crsInput({ argsPost: [e('kk1cd', 'evil')] });
    expect(layoutHash(a)).toBe(layoutHash(b));
    const la = c.get(a);
    const lb = c.get(b);
    expect(lb).not.toBe(la);
    expect(lb.fits(b)).toBe(true);
    expect(c.get(b)).toBe(lb);
    // And a request answers from its own layout whichever came first.
    const q = program(`SecRule ARGS:k5tzx "@rx evil" "id:1,phase:2,pass,log"`);
    for (let round = 0; round < 3; round++) {
      expect(named(q, a)).toEqual(['1 ARGS:k5tzx']);
      expect(named(q, b)).toEqual([]);
    }
  });

  it('are the same for the same keys whatever the values', () => {
    const c = new LayoutCache<never, never>(planOf(p));
    const a = crsInput({ argsPost: [e('title', 'x')], headers: [e('host', 'a')], uri: '/a' });
    const b = crsInput({ argsPost: [e('title', 'y')], headers: [e('host', 'b')], uri: '/b?q' });
    expect(layoutHash(a)).toBe(layoutHash(b));
    expect(c.get(a)).toBe(c.get(b));
  });
});

describe('the layout cache', () => {
  it('holds at most two generations, and a layout asked for every turn stays', () => {
    const c = new LayoutCache<never, never>(planOf(program(`SecRule ARGS "@rx x" "id:1,phase:2,pass,log"`)), 4);
    const hot = crsInput({ argsPost: [e('title', '')] });
    const first = c.get(hot);
    for (let i = 0; i < 50; i++) {
      c.get(crsInput({ argsPost: [e(`k${i}`, '')] }));
      expect(c.get(hot)).toBe(first);
      expect(c.size).toBeLessThanOrEqual(8);
    }
  });
});

describe('requests of one layout', () => {
  it('read their own values by position: names, key selectors and regexes, exclusions, counts', () => {
    const p = program(
      [
        `SecRule ARGS|!ARGS:skip "@rx evil" "id:1,phase:2,pass,log"`,
        `SecRule REQUEST_HEADERS:/^x-/ "@rx evil" "id:2,phase:2,pass,log"`,
        `SecRule &ARGS "@eq 3" "id:3,phase:2,pass,log"`,
        `SecRule ARGS_NAMES|REQUEST_FILENAME "@rx evil" "id:4,phase:2,pass,log"`,
      ].join('\n'),
    );
    const req = (a: string, b: string, skip: string, x: string, path: string): CrsInput =>
      crsInput({
        uri: path,
        filename: path,
        argsPost: [e('a', a), e('b', b), e('skip', skip)],
        headers: [e('host', 'evil.example'), e('x-trace', x)],
      });
    const sent = [
      req('evil', 'fine', 'evil', 'fine', '/ok'),
      req('fine', 'evil', 'fine', 'evil', '/evil'),
      req('fine', 'fine', 'evil', 'fine', '/ok'),
      req('evil', 'evil', 'fine', 'evil', '/ok'),
    ];
    const expected = [
      ['1 ARGS:a', '3 &ARGS'],
      ['1 ARGS:b', '2 REQUEST_HEADERS:x-trace', '3 &ARGS', '4 REQUEST_FILENAME'],
      ['3 &ARGS'],
      ['1 ARGS:b', '2 REQUEST_HEADERS:x-trace', '3 &ARGS'], // a rule names the last value it matched
    ];
    // Each round after the first finds the layout kept; the values, and so the answers, are each request's own.
    for (let round = 0; round < 3; round++) {
      sent.forEach((r, i) => {
        expect(named(p, r)).toEqual(expected[i]);
        expect(named(p, r, false)).toEqual(expected[i]);
      });
    }
  });

  it('a request with other keys in the same places takes its own layout', () => {
    const p = program(`SecRule ARGS:title|REQUEST_HEADERS:user-agent "@rx evil" "id:1,phase:2,pass,log"`);
    const a = crsInput({ argsPost: [e('title', 'evil')], headers: [e('user-agent', 'fine')] });
    const b = crsInput({ argsPost: [e('caption', 'evil')], headers: [e('referer', 'evil')] });
    const c = crsInput({ argsPost: [e('title', 'fine')], headers: [e('user-agent', 'evil')] });
    for (let round = 0; round < 3; round++) {
      expect(named(p, a)).toEqual(['1 ARGS:title']);
      expect(named(p, b)).toEqual([]);
      expect(named(p, c)).toEqual(['1 REQUEST_HEADERS:user-agent']);
    }
  });
});

// Which response checks a route's answers meet: a check with routes sees only those; one without, every answer.
import { describe, expect, it } from 'vitest';
import type { ResponseCheck } from '../../../src/core/check.js';
import { PASS } from '../../../src/core/verdict.js';
import { responseChecksFor } from '../../../src/response/select.js';

const check = (name: string, routes?: string[]): ResponseCheck => ({
  name,
  mode: 'enforce',
  needsBody: true,
  ...(routes === undefined ? {} : { routes: new Set(routes) }),
  run: () => PASS,
});

describe('responseChecksFor', () => {
  it('keeps the configured order and each check to its routes', () => {
    const all = Object.freeze([check('a', ['compile']), check('b'), check('c', ['other', 'compile'])]);
    expect(responseChecksFor(all, 'compile').map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(responseChecksFor(all, 'other').map((c) => c.name)).toEqual(['b', 'c']);
    expect(responseChecksFor(all, 'health').map((c) => c.name)).toEqual(['b']);
    expect(responseChecksFor(all, null).map((c) => c.name)).toEqual(['b']); // unmatched requests
  });

  it('answers the same frozen list per snapshot and route, and an empty one when nothing applies', () => {
    const all = Object.freeze([check('a', ['compile'])]);
    const first = responseChecksFor(all, 'compile');
    expect(responseChecksFor(all, 'compile')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(responseChecksFor(all, 'health')).toEqual([]);
    expect(responseChecksFor(Object.freeze([]), 'compile')).toEqual([]);
    // a new snapshot (a new list) is worked out afresh
    const next = Object.freeze([check('b', ['health'])]);
    expect(responseChecksFor(next, 'health').map((c) => c.name)).toEqual(['b']);
  });
});

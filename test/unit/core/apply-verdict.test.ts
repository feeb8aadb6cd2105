// applyVerdict: what a verdict leaves on the request — scores of terminal verdicts count too (the event of a
// request refused by a +100 match says score 100, not 0), in the monitor total for monitor-mode checks.
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../../src/core/context.js';
import { applyVerdict } from '../../../src/core/pipeline.js';
import type { Verdict } from '../../../src/core/verdict.js';

const match = { rule: 'r', target: 'code', field: 'tikz_code', offset: 3, score: 100 };
const terminal: Verdict = { kind: 'deny', status: 403, reasons: ['sig:r'], score: 100, matches: [match] };

function ctx(): RequestContext {
  return new RequestContext('POST', {}, 0);
}

describe('applyVerdict', () => {
  it('enforce: a terminal verdict refuses, and its score and matches are kept', () => {
    const c = ctx();
    c.score = 5;
    expect(applyVerdict(c, { name: 'signatures', mode: 'enforce' }, terminal)).toBe(true);
    expect(c.score).toBe(105);
    expect(c.matches).toEqual([match]);
    expect(c.refusal).toMatchObject({ decision: 'deny', status: 403, module: 'signatures', reasons: ['sig:r'] });
  });

  it('monitor: nothing is refused, the score goes to the monitor total and the reasons to monitor hits', () => {
    const c = ctx();
    expect(applyVerdict(c, { name: 'signatures', mode: 'monitor' }, terminal)).toBe(false);
    expect([c.score, c.monitorScore, c.monitorHits, c.refusal]).toEqual([0, 100, ['sig:r'], null]);
  });

  it('a terminal verdict without a score adds nothing', () => {
    const c = ctx();
    applyVerdict(c, { name: 'rate', mode: 'enforce' }, { kind: 'limit', status: 429, reasons: ['rate:over'] });
    expect(c.score).toBe(0);
  });

  it('continue: score and reasons add up (enforce), or go to the monitor side (monitor)', () => {
    const c = ctx();
    applyVerdict(c, { name: 'a', mode: 'enforce' }, { kind: 'continue', score: 7, reasons: ['a:x'] });
    applyVerdict(c, { name: 'b', mode: 'monitor' }, { kind: 'continue', score: 9, reasons: ['b:y'] });
    expect([c.score, c.reasons, c.monitorScore, c.monitorHits]).toEqual([7, ['a:x'], 9, ['b:y']]);
  });
});

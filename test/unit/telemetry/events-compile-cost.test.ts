// The security event's budget and queue fields: present when the checks ran, absent otherwise, never a key.
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../../src/core/context.js';
import { eventFor } from '../../../src/telemetry/events.js';

function refused(): RequestContext {
  const ctx = new RequestContext('POST', {}, 0);
  ctx.decision = 'limit';
  ctx.status = 429;
  ctx.refusal = { decision: 'limit', status: 429, reasons: ['budget:anonymous:compile-hour'], module: 'budget' };
  return ctx;
}

describe('security event: budgets and queue', () => {
  it('carries the budgets as they stood and how the wait for a slot ended', () => {
    const ctx = refused();
    ctx.budget = {
      tier: 'anonymous',
      budgets: [
        { name: 'compile-hour', remainingS: 0, allow: false },
        { name: 'compile-day', remainingS: 123.45678, allow: true },
      ],
    };
    ctx.admission = { tier: 'anonymous', lane: 'slow', result: 'timeout', waitMs: 3001 };
    const ev = eventFor(ctx)!;
    expect(ev.budget).toEqual({
      tier: 'anonymous',
      budgets: [
        { name: 'compile-hour', remaining_s: 0, allow: false },
        { name: 'compile-day', remaining_s: 123.457, allow: true },
      ],
    });
    expect(ev.queue).toEqual({ tier: 'anonymous', lane: 'slow', result: 'timeout', wait_ms: 3001 });
  });

  it('has neither field when the checks did not run', () => {
    const ev = eventFor(refused())!;
    expect('budget' in ev).toBe(false);
    expect('queue' in ev).toBe(false);
  });
});

// The headers check: required and forbidden request headers, off when it has nothing to do.
import { describe, expect, it } from 'vitest';
import { buildHeadersCheck } from '../../../src/checks/headers.js';
import { config, ctx, outcome } from './helpers.js';

describe('headers check', () => {
  it('is not built when off or without rules', () => {
    expect(buildHeadersCheck(config({}))).toBeNull();
    expect(buildHeadersCheck(config({ checks: { headers: { mode: 'off', require: ['x-a'] } } }))).toBeNull();
  });

  it('refuses a missing required header and a forbidden one, case-insensitively configured', () => {
    const check = buildHeadersCheck(config({ checks: { headers: { require: ['X-Client'], forbid: ['X-Debug'] } } }))!;
    expect(check.phase).toBe('headers');
    expect(check.mode).toBe('enforce');
    expect(outcome(check.run(ctx()) as never)).toBe('403 headers:missing:x-client');
    expect(outcome(check.run(ctx({ 'x-client': 'a', 'x-debug': '1' })) as never)).toBe('403 headers:forbidden:x-debug');
    expect(outcome(check.run(ctx({ 'x-client': 'a' })) as never)).toBe('continue');
  });

  it('hands out the same frozen refusal every time (nothing allocated per request)', () => {
    const check = buildHeadersCheck(config({ checks: { headers: { mode: 'monitor', require: ['x-a'] } } }))!;
    expect(check.mode).toBe('monitor');
    const a = check.run(ctx());
    expect(check.run(ctx())).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });
});

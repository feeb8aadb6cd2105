// Retry timing and answer classification: full-jitter bounds, Retry-After forms, which statuses are retried.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from '../../../src/alerts/backoff.js';
import { classify } from '../../../src/alerts/classify.js';

describe('backoffDelayMs', () => {
  it('is uniform in [0, min(cap, base * 2^(n-1)))', () => {
    expect(backoffDelayMs(1, 1000, 60_000, () => 0)).toBe(0);
    expect(backoffDelayMs(1, 1000, 60_000, () => 0.999_999)).toBe(999);
    expect(backoffDelayMs(2, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(4, 1000, 60_000, () => 0.999_999)).toBe(7999);
    expect(backoffDelayMs(10, 1000, 60_000, () => 0.5)).toBe(30_000);
    expect(backoffDelayMs(5000, 1000, 60_000, () => 0.999_999)).toBe(59_999);
    for (let n = 1; n <= 8; n++) {
      for (let i = 0; i < 200; i++) {
        const d = backoffDelayMs(n, 500, 20_000, Math.random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(20_000, 500 * 2 ** (n - 1)));
      }
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-02T03:04:05Z');
  it.each([
    [null, null],
    ['7', 7000],
    [' 0 ', 0],
    ['120', 120_000],
    ['Fri, 02 Jan 2026 03:04:35 GMT', 30_000],
    ['Fri, 02 Jan 2026 03:00:00 GMT', 0],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['2026-01-02T03:04:35Z', null],
  ])('%s', (v, ms) => {
    expect(parseRetryAfter(v, now)).toBe(ms);
  });
});

describe('classify', () => {
  const answer = (status: number, retryAfter: string | null = null) =>
    classify({ kind: 'answer', status, retryAfter }, 0);
  it.each([200, 201, 202, 204, 299])('%i delivered', (s) => expect(answer(s).kind).toBe('delivered'));
  it.each([408, 429, 500, 502, 503, 504])('%i retried', (s) => expect(answer(s).kind).toBe('retry'));
  it.each([300, 301, 302, 307, 308, 400, 401, 403, 404, 410, 413, 422])('%i not retried', (s) =>
    expect(answer(s).kind).toBe('permanent'),
  );
  it('a redirect says it was not followed; Retry-After rides on 429 and 503; a network error is retried', () => {
    expect(answer(302)).toEqual({ kind: 'permanent', detail: 'status 302 (redirect not followed)' });
    expect(answer(429, '7')).toEqual({ kind: 'retry', detail: 'status 429', afterMs: 7000 });
    expect(answer(503, '2')).toEqual({ kind: 'retry', detail: 'status 503', afterMs: 2000 });
    expect(answer(429)).toEqual({ kind: 'retry', detail: 'status 429', afterMs: null });
    expect(classify({ kind: 'error', detail: 'ECONNREFUSED' }, 0)).toEqual({
      kind: 'retry',
      detail: 'ECONNREFUSED',
      afterMs: null,
    });
  });
});

// Wall-clock time and timers for delivery, injectable so tests move backoff, rate and timeouts by hand.
import type { Clock } from '../core/clock.js';

export interface Timers extends Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): unknown => {
    const t = setTimeout(fn, ms);
    // a retry waiting minutes must not keep a process alive that is otherwise done
    t.unref();
    return t;
  },
  clearTimeout: (h: unknown): void => clearTimeout(h as ReturnType<typeof setTimeout>),
});

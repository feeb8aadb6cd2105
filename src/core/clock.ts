// Injectable clock: every time-dependent module reads time from here so tests can use a fake one.

export interface Clock {
  /** Wall-clock milliseconds since the epoch (what stores and decisions record). */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

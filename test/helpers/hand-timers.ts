// Timers moved by hand, for code that takes a clock with setTimeout/clearTimeout (alert delivery, the admission
// queue): advance() runs every timer due by then, in time order, with the clock set to each one's time.
export class HandTimers {
  private timers: { at: number; ms: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(public t = 0) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, ms, fn, id });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = until;
  }

  /** The delays of the timers still pending, as they were asked for. */
  get pendingDelays(): number[] {
    return this.timers.map((x) => x.ms);
  }
}

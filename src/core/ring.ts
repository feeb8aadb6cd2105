// A fixed ring of the most recent values: memory bounded by its capacity whatever the traffic, the oldest value
// making room for the newest. Written to per request (recent events, trust breakdowns), read by admin calls.
export class Ring<T> {
  private readonly slots: (T | undefined)[];
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity);
  }

  push(v: T): void {
    if (this.capacity === 0) return;
    this.slots[this.next] = v;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  /** Values held (at most capacity). */
  get size(): number {
    return this.filled;
  }

  /** The values, newest first. */
  *newestFirst(): Generator<T> {
    for (let n = 1; n <= this.filled; n++) yield this.slots[(this.next - n + this.capacity) % this.capacity]!;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.filled = 0;
    this.next = 0;
  }
}

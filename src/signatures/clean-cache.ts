// A bounded memory of texts already inspected and found clean, so a diagram (or a header line) seen again
// is not normalised and matched again. Inspection is deterministic for a given rule set, route and tier, and
// the engine (with its caches) is rebuilt on every reload. Bounded by entries and by characters held: when
// either bound is reached the set is emptied and starts again (O(1), no per-entry bookkeeping).

export class CleanCache {
  private set = new Set<string>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  has(text: string): boolean {
    return this.set.has(text);
  }

  add(text: string): void {
    if (this.maxEntries === 0 || text.length > this.maxChars) return;
    if (this.set.size >= this.maxEntries || this.chars + text.length > this.maxChars) {
      this.set = new Set();
      this.chars = 0;
    }
    this.set.add(text);
    this.chars += text.length;
  }

  get size(): number {
    return this.set.size;
  }
}

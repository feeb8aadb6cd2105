// Per-client in-flight counts, per gateway instance (not shared: a slot is held for a request's lifetime only).

export class InflightCounter {
  private readonly counts = new Map<string, number>();

  /** Takes a slot for `id` unless `cap` are already held; returns whether it did. cap 0: unlimited. */
  acquire(id: string, cap: number): boolean {
    const n = this.counts.get(id) ?? 0;
    if (cap > 0 && n >= cap) return false;
    this.counts.set(id, n + 1);
    return true;
  }

  release(id: string): void {
    const n = this.counts.get(id);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(id);
    else this.counts.set(id, n - 1);
  }

  held(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  /** Slots held over all clients (0 when nothing leaked). */
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  close(): void {
    this.counts.clear();
  }
}

// Robust statistics for baselines: median and MAD (with a floor, since most counters are mostly zero), the
// robust z-score, and a bounded per-route-and-tier sample of what clients do, summarised lazily.

/** Scales a MAD to a standard deviation for normally distributed data. */
export const MAD_SCALE = 1.4826;

/** Median of a list (sorted copy); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median absolute deviation from the median; NaN when empty. */
export function mad(xs: readonly number[], med = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - med)));
}

/** How many spreads x lies above the median; the spread is MAD × 1.4826, never below `floor` (> 0). */
export function robustZ(x: number, med: number, madValue: number, floor: number): number {
  return (x - med) / Math.max(madValue * MAD_SCALE, floor);
}

export interface Summary {
  readonly median: number;
  readonly mad: number;
  readonly count: number;
}

/**
 * The last `capacity` observations of one feature (a ring), with median and MAD recomputed only after
 * an eighth of the sample is new: the request path reads a cached summary, and the sort runs rarely.
 */
export class RollingSample {
  private readonly values: number[] = [];
  private next = 0;
  private added = 0;
  private stale = 0;
  private cached: Summary = { median: NaN, mad: NaN, count: 0 };

  constructor(private readonly capacity: number) {}

  add(x: number): void {
    if (this.values.length < this.capacity) this.values.push(x);
    else this.values[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    this.added++;
    this.stale++;
  }

  /** Observations ever added (the warm-up count). */
  get count(): number {
    return this.added;
  }

  summary(): Summary {
    if (this.stale === 0) return this.cached;
    // early on (a small sample) every few observations; once full, every capacity/8
    const every = Math.max(1, Math.min(this.capacity, this.added) >> 3);
    if (this.cached.count !== 0 && this.stale < every) return this.cached;
    const m = median(this.values);
    this.cached = { median: m, mad: mad(this.values, m), count: this.added };
    this.stale = 0;
    return this.cached;
  }

  /** The current sample (for the model's training). */
  snapshot(): readonly number[] {
    return this.values;
  }
}

/** Population features: one RollingSample per route and tier and feature, bounded by the number of keys. */
export class Population {
  private readonly samples = new Map<string, RollingSample>();

  constructor(
    private readonly capacity: number,
    private readonly maxKeys = 4096,
  ) {}

  sample(group: string, feature: string): RollingSample | null {
    const key = `${group}\0${feature}`;
    let s = this.samples.get(key);
    if (s === undefined) {
      if (this.samples.size >= this.maxKeys) return null;
      s = new RollingSample(this.capacity);
      this.samples.set(key, s);
    }
    return s;
  }

  /** A Resource (outlives reloads, so a reload does not restart the warm-up); nothing to release. */
  close(): void {
    this.samples.clear();
  }
}

// Robust statistics for baselines: median and MAD (with a floor, since most counters are mostly zero), the
// robust z-score, and a bounded per-route-and-tier sample of what clients do, summarised lazily.

/** Scales a MAD to a standard deviation for normally distributed data. */
export const MAD_SCALE = 1.4826;

/** Median of a list (sorted copy); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  // a typed copy sorts numerically without a comparator call per pair
  const s = Float64Array.from(xs).sort();
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
 * a quarter of the sample is new: the request path reads a cached summary, and the sort runs rarely.
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
    // early on (a small sample) every few observations; once full, every capacity/4 (two sorts each time)
    const every = Math.max(1, Math.min(this.capacity, this.added) >> 2);
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

/** The samples of one route and tier. */
export interface GroupSamples {
  /** Client request rates (per second). */
  readonly rate: RollingSample;
  /** Clients' shares of compiles that failed with a TeX error. */
  readonly errorRatio: RollingSample;
}

/** Population features: the samples of each route and tier, bounded by the number of groups. */
export class Population {
  private readonly groups = new Map<string, GroupSamples>();

  constructor(
    private readonly capacity: number,
    private readonly maxGroups = 2048,
  ) {}

  /** The group's samples, made on first use; null when the bound is reached (that group then has no baseline). */
  group(name: string): GroupSamples | null {
    let g = this.groups.get(name);
    if (g === undefined) {
      if (this.groups.size >= this.maxGroups) return null;
      g = { rate: new RollingSample(this.capacity), errorRatio: new RollingSample(this.capacity) };
      this.groups.set(name, g);
    }
    return g;
  }

  /** A Resource (outlives reloads, so a reload does not restart the warm-up); nothing to release. */
  close(): void {
    this.groups.clear();
  }
}

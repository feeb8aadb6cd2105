// Hot-path counters and histograms: a label set is resolved once to a plain slot, so a request's
// inc()/observe() is a few array writes. prom-client's own children re-validate and re-hash the labels
// on every call, which showed up in CPU profiles; these register in the same prom-client Registry.
import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: string;
  values: MetricValue[];
  aggregator: string;
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) o[names[i]!] = values[i]!;
  return o;
}

type Entry<Slot> = { labels: Record<string, string>; slot: Slot };
/** One level of the label tree: the next label's value -> the level below (or, after the last label, the entry). */
type Level<Slot> = Map<string, Level<Slot> | Entry<Slot>>;

abstract class FastMetric<Slot> {
  /**
   * Label values walk a tree, one Map per label, instead of one joined key: label values are mostly the same few
   * strings (route, tier, outcome), whose hashes V8 keeps, so a lookup allocates nothing and hashes nothing new.
   */
  private readonly root: Level<Slot> = new Map();
  private readonly all: Entry<Slot>[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }
  protected abstract create(): Slot;
  /** The slot for one label set; callers may cache it (a Map lookup per label otherwise). */
  child(...values: string[]): Slot {
    const n = this.labelNames.length;
    if (values.length !== n) throw new Error(`${this.name}: expected ${n} labels`);
    if (n === 0) return this.leaf(this.root, '', values);
    let level = this.root;
    for (let i = 0; i < n - 1; i++) {
      let next = level.get(values[i]!) as Level<Slot> | undefined;
      if (next === undefined) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    return this.leaf(level, values[n - 1]!, values);
  }
  private leaf(level: Level<Slot>, last: string, values: readonly string[]): Slot {
    let e = level.get(last) as Entry<Slot> | undefined;
    if (e === undefined) {
      e = { labels: labelObject(this.labelNames, values), slot: this.create() };
      level.set(last, e);
      this.all.push(e);
    }
    return e.slot;
  }
  protected entries(): Iterable<Entry<Slot>> {
    return this.all;
  }
  reset(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

export class FastCounterSlot {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class FastCounter extends FastMetric<FastCounterSlot> {
  readonly type = 'counter';
  protected create(): FastCounterSlot {
    return new FastCounterSlot();
  }
  /** Same as child(...).inc(): for cold paths. */
  labels(...values: string[]): FastCounterSlot {
    return this.child(...values);
  }
  get(): Exported {
    const values: MetricValue[] = [];
    for (const { labels, slot } of this.entries()) values.push({ value: slot.value, labels });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export class FastHistogramSlot {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }
}

export class FastHistogram extends FastMetric<FastHistogramSlot> {
  readonly type = 'histogram';
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }
  protected create(): FastHistogramSlot {
    return new FastHistogramSlot(this.buckets);
  }
  get(): Exported {
    const values: MetricValue[] = [];
    for (const { labels, slot } of this.entries()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += slot.counts[i]!;
        values.push({
          value: cumulative,
          labels: { le: String(this.buckets[i]), ...labels },
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ value: slot.count, labels: { le: '+Inf', ...labels }, metricName: `${this.name}_bucket` });
      values.push({ value: slot.sum, labels, metricName: `${this.name}_sum` });
      values.push({ value: slot.count, labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}

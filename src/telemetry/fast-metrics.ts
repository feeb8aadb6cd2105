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

abstract class FastMetric<Slot> {
  private readonly slots = new Map<string, { labels: Record<string, string>; slot: Slot }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }
  protected abstract create(): Slot;
  /** The slot for one label set; callers cache it (a Map lookup per distinct label set, once). */
  child(...values: string[]): Slot {
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: expected ${this.labelNames.length} labels`);
    const key = values.join('\u0000');
    let s = this.slots.get(key);
    if (s === undefined) {
      s = { labels: labelObject(this.labelNames, values), slot: this.create() };
      this.slots.set(key, s);
    }
    return s.slot;
  }
  protected entries(): Iterable<{ labels: Record<string, string>; slot: Slot }> {
    return this.slots.values();
  }
  reset(): void {
    this.slots.clear();
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

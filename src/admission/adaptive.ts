// The adaptive compile cap (admission.adaptive): shrinks when compiles take longer than their CPU time says
// they should (the compile service is contended), grows back by one when they do not.

export interface AdaptiveSettings {
  /** The configured capacity: the cap never grows past it. */
  readonly max: number;
  readonly min: number;
  /** Contended when the recent wall/CPU ratio exceeds the baseline by this factor. */
  readonly tolerance: number;
  /** Compiles between two decisions. */
  readonly window: number;
}

/** Compiles shorter than this in CPU say little about contention (process start-up dominates). */
const MIN_CPU_MS = 50;
/** Weight of one compile in the recent ratio (an exponential moving average). */
const ALPHA = 0.2;
/** How fast the baseline may rise per compile (so a lasting change of the service is taken as the new normal). */
const DRIFT = 0.005;

/**
 * Why wall over CPU and not latency alone: a compile's time depends on the diagram (a tenth of a second to
 * the timeout), so latency rising may only mean heavier diagrams. The compile service states both its wall
 * and its CPU time; wall/CPU stays near 1 while each compile has a core, and rises when compiles wait for
 * one (too many at once for the machine). Like Envoy's adaptive concurrency and Netflix's concurrency-limits,
 * the cap is cut multiplicatively when the signal rises over its baseline and grows additively when it is back.
 */
export class AdaptiveCap {
  cap: number;
  private baseline = Number.POSITIVE_INFINITY;
  private recent = 0;
  private seen = 0;

  constructor(private settings: AdaptiveSettings) {
    this.cap = settings.max;
  }

  /** New settings (a reload): the cap stays where it was, within the new bounds. */
  configure(s: AdaptiveSettings): void {
    this.settings = s;
    this.cap = Math.min(s.max, Math.max(s.min, this.cap));
  }

  /** One finished compile; returns true when the cap changed. */
  observe(wallMs: number, cpuMs: number | null): boolean {
    if (cpuMs === null || cpuMs < MIN_CPU_MS || wallMs <= 0) return false;
    const ratio = wallMs / cpuMs;
    this.recent = this.seen === 0 ? ratio : this.recent * (1 - ALPHA) + ratio * ALPHA;
    this.baseline = Math.min(this.baseline * (1 + DRIFT), ratio);
    this.seen++;
    if (this.seen % this.settings.window !== 0) return false;
    const s = this.settings;
    const before = this.cap;
    if (this.recent > this.baseline * s.tolerance) this.cap = Math.max(s.min, Math.floor(this.cap * 0.75));
    else if (this.recent < this.baseline * (1 + (s.tolerance - 1) / 2)) this.cap = Math.min(s.max, this.cap + 1);
    return this.cap !== before;
  }
}

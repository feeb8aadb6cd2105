// The learned model beside the detectors: per-client behaviour vectors sampled from recent traffic, an isolation
// forest retrained from them on a timer (off the request path), and its score for each request's client.
// Monitor only: the score goes to BehaviourView.model for trust to rank with; it never refuses.
import { IsolationForest } from './forest.js';
import type { ClientState } from './state.js';

/** The vector the model sees of a client: log-scaled so one huge count does not flatten the rest. */
export function behaviourVector(c: ClientState, rps: number): number[] {
  return [
    Math.log1p(rps),
    c.compiles >= 1 ? Math.min(1, c.texErrors / c.compiles) : 0,
    Math.log1p(c.exhaustion),
    Math.log1p(c.cxMean),
    Math.log1p(c.size),
    Math.log1p(c.refusals),
    Math.log1p(c.nearMisses),
  ];
}

export interface ModelOptions {
  readonly trees: number;
  readonly sample: number;
  readonly refreshS: number;
}

/** Vectors kept for training: four trees' worth of the most recent requests, at most 4096. */
const reservoirOf = (sample: number): number => Math.min(4096, 4 * sample);

export class BehaviourModel {
  private readonly recent: number[][] = [];
  private next = 0;
  private forest: IsolationForest | null = null;
  private trainings = 0;
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly o: ModelOptions,
    schedule = true,
  ) {
    this.timer = schedule ? setInterval(() => this.train(), o.refreshS * 1000) : null;
    this.timer?.unref();
  }

  /** Remembers a client's vector for the next training (a ring: the most recent ones). */
  observe(v: number[]): void {
    const cap = reservoirOf(this.o.sample);
    if (this.recent.length < cap) this.recent.push(v);
    else this.recent[this.next] = v;
    this.next = (this.next + 1) % cap;
  }

  /** Retrains from the recent vectors; false while there are too few to say what is ordinary. */
  train(): boolean {
    if (this.recent.length < Math.min(32, this.o.sample)) return false;
    this.forest = IsolationForest.train(this.recent, {
      trees: this.o.trees,
      sample: this.o.sample,
      seed: ++this.trainings,
    });
    return true;
  }

  /** The anomaly score 0..1, or null before the first training. */
  score(v: readonly number[]): number | null {
    return this.forest === null ? null : this.forest.score(v);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.recent.length = 0;
    this.forest = null;
  }
}

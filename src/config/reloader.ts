// Serialised configuration reloads: one at a time, requests during a reload coalesce into one more run,
// and a failed load never replaces the configuration in use.

export type ReloadOutcome<T> =
  { readonly ok: true; readonly config: T } | { readonly ok: false; readonly error: unknown };

export interface ReloaderOptions<T> {
  /** Produces the next configuration (read, parse, validate, build); throws when it cannot. */
  readonly load: () => Promise<T>;
  /** Puts a loaded configuration in service; called only after a successful load. A throw counts as a failure. */
  readonly apply: (next: T) => void;
  readonly onSuccess?: (next: T) => void;
  /** Told about every failed reload (typically a ConfigError listing all problems); the old config stays. */
  readonly onFailure?: (error: unknown) => void;
}

export interface ReloadStats {
  readonly successes: number;
  readonly failures: number;
  readonly inProgress: boolean;
  /** Error of the latest reload, cleared by a success. */
  readonly lastError: unknown;
}

type Waiter<T> = { resolve: (o: ReloadOutcome<T>) => void; reject: (e: unknown) => void };

export class ConfigReloader<T> {
  private running = false;
  private waitingNext: Waiter<T>[] = [];
  private successes = 0;
  private failures = 0;
  private lastError: unknown = undefined;

  constructor(private readonly options: ReloaderOptions<T>) {}

  /**
   * Requests a reload. If none runs, it starts now; if one runs, the request joins the single run that
   * starts after it (so a burst of N requests costs at most two loads). Resolves with the outcome of the run
   * that covered this request; rejects only if onSuccess or onFailure threw.
   */
  reload(): Promise<ReloadOutcome<T>> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.running) {
        this.waitingNext.push(waiter);
        return;
      }
      this.running = true;
      void this.drain([waiter]);
    });
  }

  get stats(): ReloadStats {
    return {
      successes: this.successes,
      failures: this.failures,
      inProgress: this.running,
      lastError: this.lastError,
    };
  }

  private async drain(first: Waiter<T>[]): Promise<void> {
    let waiters = first;
    while (waiters.length > 0) {
      let settled: { outcome: ReloadOutcome<T> } | { thrown: unknown };
      try {
        settled = { outcome: await this.runOnce() };
      } catch (thrown) {
        settled = { thrown };
      }
      for (const w of waiters) {
        if ('outcome' in settled) w.resolve(settled.outcome);
        else w.reject(settled.thrown);
      }
      // Checked and cleared synchronously with `running`, so no request can fall between two runs.
      waiters = this.waitingNext;
      this.waitingNext = [];
    }
    this.running = false;
  }

  private async runOnce(): Promise<ReloadOutcome<T>> {
    let next: T;
    try {
      next = await this.options.load();
      // apply should build everything before it swaps, so a throw here also leaves the old config in service.
      this.options.apply(next);
    } catch (error) {
      this.failures++;
      this.lastError = error;
      this.options.onFailure?.(error);
      return { ok: false, error };
    }
    this.successes++;
    this.lastError = undefined;
    this.options.onSuccess?.(next);
    return { ok: true, config: next };
  }
}

// Long-lived resources (stores, Redis clients, database readers) that outlive config reloads.
// Config-derived objects are rebuilt on reload; they fetch shared resources from here by key. A resource
// the configuration in service no longer names (a renamed geo database, a dropped feed file) is closed once
// the requests that may still use it had their time, so reloads do not pile up watchers and streams.

export interface Closable {
  close(): Promise<void> | void;
  /** Releases at once what close() did not finish in its time (sockets cut, not drained). */
  destroy?(): void;
}

export class Resources {
  private readonly items = new Map<string, Closable>();
  /** Keys asked for outside any build (the store made at startup): process-wide, never released. */
  private readonly pinned = new Set<string>();
  /** Keys asked for by the build under way; null when no build is recording. */
  private recording: Set<string> | null = null;
  /** Keys the configuration in service named when it was built. */
  private inService: ReadonlySet<string> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Returns the resource under key, creating it once. A new config reuses what an old one made. */
  get<T extends Closable>(key: string, create: () => T): T {
    if (this.recording !== null) this.recording.add(key);
    else this.pinned.add(key);
    const existing = this.items.get(key);
    if (existing !== undefined) return existing as T;
    const made = create();
    this.items.set(key, made);
    return made;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Runs one (synchronous) build and returns what it made with the keys it asked for. */
  record<T>(build: () => T): { readonly value: T; readonly keys: ReadonlySet<string> } {
    const outer = this.recording;
    const keys = new Set<string>();
    this.recording = keys;
    try {
      return { value: build(), keys };
    } finally {
      this.recording = outer;
    }
  }

  /**
   * Declares what the configuration now in service named. After `graceMs` (the longest a request of the
   * previous configuration may still run) every resource it does not name, and that was not pinned or asked
   * for again meanwhile, is closed and forgotten; a later config naming it again gets a new one.
   */
  release(inService: ReadonlySet<string>, graceMs: number): void {
    this.inService = inService;
    const candidates = [...this.items].filter(([k]) => !inService.has(k) && !this.pinned.has(k));
    if (candidates.length === 0) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const [key, item] of candidates) {
        // Only the very object seen then, and only if the config in service by now still does not name it.
        if (this.items.get(key) !== item || this.inService?.has(key) === true || this.pinned.has(key)) continue;
        this.items.delete(key);
        void Promise.resolve()
          .then(() => item.close())
          .catch(() => undefined); // a resource that fails to close is gone from here either way
      }
    }, graceMs);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Closes everything, newest first (a service closes before the store it writes to). Bounded: after
   * `waitMs` the rest is no longer waited for (items that can be destroyed are), so shutdown cannot hang on
   * a resource whose close waits for a peer that is gone. A close that fails counts as closed.
   */
  async closeAll(waitMs = Infinity): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = [...this.items.values()].reverse();
    this.items.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time'>((r) => {
      if (Number.isFinite(waitMs)) timer = setTimeout(() => r('time'), waitMs);
    });
    try {
      for (let i = 0; i < all.length; i++) {
        const closing = Promise.resolve()
          .then(() => all[i]!.close())
          .then(
            () => 'closed' as const,
            () => 'closed' as const,
          );
        if ((await Promise.race([closing, timeUp])) === 'time') {
          for (const item of all.slice(i)) item.destroy?.();
          return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

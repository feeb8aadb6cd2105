// Long-lived resources (stores, Redis clients, database readers) that outlive config reloads.
// Config-derived objects are rebuilt on reload; they fetch shared resources from here by key.

export interface Closable {
  close(): Promise<void> | void;
}

export class Resources {
  private readonly items = new Map<string, Closable>();

  /** Returns the resource under key, creating it once. A new config reuses what an old one made. */
  get<T extends Closable>(key: string, create: () => T): T {
    const existing = this.items.get(key);
    if (existing !== undefined) return existing as T;
    const made = create();
    this.items.set(key, made);
    return made;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  async closeAll(): Promise<void> {
    const all = [...this.items.values()].reverse();
    this.items.clear();
    for (const item of all) await item.close();
  }
}

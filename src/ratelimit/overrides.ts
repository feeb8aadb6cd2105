// Tier overrides: a risky client moves to a stricter tier for a TTL. Shared through the Store, read locally.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';

const PREFIX = 'tier:';

interface Override {
  readonly tier: string;
  readonly until: number;
}

function parse(value: string | null): Override | null {
  if (value === null) return null;
  const bar = value.lastIndexOf('|');
  if (bar === -1) return null;
  const until = Number(value.slice(bar + 1));
  return Number.isFinite(until) ? { tier: value.slice(0, bar), until } : null;
}

/**
 * `tighten` writes `tier:<client id>` to the Store (with the TTL) and every instance hears it through the
 * change signal, so the per-request lookup is a local map read: no store round trip per request. A new
 * instance loads the live overrides at start.
 */
export class TierOverrides {
  private readonly local: LRUCache<string, Override>;
  private readonly unsubscribe: () => void;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    maxEntries = 100_000,
  ) {
    this.local = new LRUCache({ max: maxEntries });
    this.unsubscribe = store.onChange((key) => {
      if (key.startsWith(PREFIX)) void this.refresh(key.slice(PREFIX.length));
    });
  }

  /** Loads the overrides already in the store (call once at start; safe to call again). */
  load(): Promise<void> {
    this.loading ??= this.store
      .list(PREFIX)
      .then((entries) => {
        for (const e of entries) this.put(e.key.slice(PREFIX.length), parse(e.value));
      })
      .catch(() => {
        this.loading = null; // store down: the next load() retries; tighten() still works locally
      });
    return this.loading;
  }

  /** Moves client `id` to `tier` for ttlMs (on every instance sharing the store). */
  async tighten(id: string, tier: string, ttlMs: number): Promise<void> {
    const o: Override = { tier, until: this.clock.now() + ttlMs };
    this.put(id, o);
    await this.store.set(PREFIX + id, `${o.tier}|${o.until}`, ttlMs);
  }

  /** Ends an override early. */
  async release(id: string): Promise<void> {
    this.local.delete(id);
    await this.store.delete(PREFIX + id);
  }

  /** The overriding tier of client `id` now, or null. */
  current(id: string): string | null {
    if (this.local.size === 0) return null;
    const o = this.local.get(id);
    if (o === undefined) return null;
    if (o.until <= this.clock.now()) {
      this.local.delete(id);
      return null;
    }
    return o.tier;
  }

  close(): void {
    this.unsubscribe();
    this.local.clear();
  }

  private put(id: string, o: Override | null): void {
    if (o === null || o.until <= this.clock.now()) this.local.delete(id);
    else this.local.set(id, o);
  }

  private async refresh(id: string): Promise<void> {
    try {
      this.put(id, parse(await this.store.get(PREFIX + id)));
    } catch {
      // Store unavailable: keep what we knew; the TTL still ends the override locally.
    }
  }
}

// The breakdowns of recent requests, by request id, for GET /admin/api/requests/{id}: a fixed ring, so memory is
// bounded by `trust.recent` whatever the traffic; the oldest entry makes room for the newest.
import type { TrustResult } from '../core/trust.js';
import { Ring } from '../core/ring.js';

export interface RecentEntry {
  readonly id: string;
  /** Epoch ms when trust judged the request. */
  readonly time: number;
  readonly method: string;
  readonly route: string;
  readonly client_ip: string;
  readonly user: string | null;
  readonly tier: string;
  readonly trust: TrustResult;
}

/**
 * No index by id: a Map holding exactly `capacity` ids, one deleted and one added per request, is rebuilt by V8
 * every few dozen requests (its table stays nearly full of live and deleted entries), which cost 3 µs per request
 * measured; a lookup is an admin call, so it scans the ring, newest first, instead.
 */
export class RecentTrust {
  private readonly ring: Ring<RecentEntry>;

  constructor(readonly capacity: number) {
    this.ring = new Ring(capacity);
  }

  put(e: RecentEntry): void {
    this.ring.push(e);
  }

  /** The newest entry with this id (an id repeated by a trusted peer finds its latest request). */
  get(id: string): RecentEntry | null {
    for (const e of this.ring.newestFirst()) if (e.id === id) return e;
    return null;
  }

  /** Entries held (at most capacity). */
  get size(): number {
    return this.ring.size;
  }

  close(): void {
    this.ring.clear();
  }
}

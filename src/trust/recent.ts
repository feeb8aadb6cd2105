// The breakdowns of recent requests, by request id, for GET /admin/api/requests/{id}: a fixed ring, so memory is
// bounded by `trust.recent` whatever the traffic; the oldest entry makes room for the newest.
import type { TrustResult } from '../core/trust.js';

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
  private readonly ring: (RecentEntry | undefined)[];
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<RecentEntry | undefined>(capacity);
  }

  put(e: RecentEntry): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = e;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  /** The newest entry with this id (an id repeated by a trusted peer finds its latest request). */
  get(id: string): RecentEntry | null {
    for (let n = 1; n <= this.filled; n++) {
      const e = this.ring[(this.next - n + this.capacity) % this.capacity];
      if (e !== undefined && e.id === id) return e;
    }
    return null;
  }

  /** Entries held (at most capacity). */
  get size(): number {
    return this.filled;
  }

  close(): void {
    this.ring.fill(undefined);
    this.filled = 0;
    this.next = 0;
  }
}

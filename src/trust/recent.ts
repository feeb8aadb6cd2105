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

export class RecentTrust {
  private readonly ring: (RecentEntry | undefined)[];
  private readonly index = new Map<string, number>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<RecentEntry | undefined>(capacity);
  }

  put(e: RecentEntry): void {
    if (this.capacity === 0) return;
    const slot = this.next;
    const old = this.ring[slot];
    // an id repeated (taken from a trusted peer) points at its newest slot; the old slot's id is forgotten only
    // when the index still points there
    if (old !== undefined && this.index.get(old.id) === slot) this.index.delete(old.id);
    this.ring[slot] = e;
    this.index.set(e.id, slot);
    this.next = (slot + 1) % this.capacity;
  }

  get(id: string): RecentEntry | null {
    const slot = this.index.get(id);
    return slot === undefined ? null : (this.ring[slot] ?? null);
  }

  get size(): number {
    return this.index.size;
  }

  close(): void {
    this.index.clear();
    this.ring.fill(undefined);
  }
}

// The last security events of this instance, in a bounded ring (the events API reads it): a tee in front of the
// event sink, so what the API shows is exactly what was written.
import type { EventSink, SecurityEvent } from './events.js';
import type { SharedEvents } from './shared-events.js';

export class RecentEvents {
  private readonly ring: (SecurityEvent | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<SecurityEvent | undefined>(capacity);
  }

  push(e: SecurityEvent): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Newest first, those `keep` accepts, skipping `offset` of them, at most `limit`; and how many matched. */
  query(
    keep: (e: SecurityEvent) => boolean,
    offset: number,
    limit: number,
  ): { total: number; events: SecurityEvent[] } {
    const out: SecurityEvent[] = [];
    let total = 0;
    for (let i = 1; i <= this.size; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity]!;
      if (!keep(e)) continue;
      if (total >= offset && out.length < limit) out.push(e);
      total++;
    }
    return { total, events: out };
  }
}

/** A sink writing to `sink` and remembering each event in `recent` (and in the shared list, when there is one). */
export function teeEvents(sink: EventSink, recent: RecentEvents, shared: () => SharedEvents | null): EventSink {
  return {
    write(event) {
      recent.push(event);
      shared()?.push(event);
      sink.write(event);
    },
    flush: () => sink.flush(),
    reopen: () => sink.reopen(),
  };
}

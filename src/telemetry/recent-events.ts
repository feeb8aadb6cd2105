// The last security events of this instance, in a bounded ring (the events API reads it): a tee in front of the
// event sink, so what the API shows is exactly what was written.
import type { EventSink, SecurityEvent } from './events.js';
import type { SharedEvents } from './shared-events.js';
import { Ring } from '../core/ring.js';

export class RecentEvents {
  private readonly ring: Ring<SecurityEvent>;

  constructor(readonly capacity: number) {
    this.ring = new Ring(capacity);
  }

  push(e: SecurityEvent): void {
    this.ring.push(e);
  }

  /** Newest first, those `keep` accepts, skipping `offset` of them, at most `limit`; and how many matched. */
  query(
    keep: (e: SecurityEvent) => boolean,
    offset: number,
    limit: number,
  ): { total: number; events: SecurityEvent[] } {
    const out: SecurityEvent[] = [];
    let total = 0;
    for (const e of this.ring.newestFirst()) {
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

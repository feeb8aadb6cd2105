// What the gateway hands notifications to: a sink that takes them at once and delivers in its own time.
import type { Notification } from './notification.js';

export interface AlertSink {
  /** Names the sink in counters, logs and dead letters. */
  readonly name: string;
  /** Returns at once and never throws: delivery happens later, its outcome reaches the stats callback. */
  enqueue(n: Notification): void;
  /** Stops timers and drops what is left; with `flushMs` > 0 first waits that long for the queue to drain. */
  close(flushMs?: number): Promise<void>;
}

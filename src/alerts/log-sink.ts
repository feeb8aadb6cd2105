// The log sink: each notification written as one JSON object through the logger the integrator passes.
import type { Notification } from './notification.js';
import type { AlertSink } from './sink.js';

export function createLogSink(write: (line: object) => void, name = 'log'): AlertSink {
  return Object.freeze({
    name,
    enqueue: (n: Notification): void => write(n),
    close: (): Promise<void> => Promise.resolve(),
  });
}

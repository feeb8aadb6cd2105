// Bounded body buffering: stops at the route's limit or deadline, never holds more than it may inspect.
import type { IncomingMessage } from 'node:http';

export type ReadFailure = 'body_too_large' | 'body_timeout' | 'body_aborted' | 'body_too_slow' | 'slow_bodies_full';
export type ReadResult = { ok: true; body: Buffer } | { ok: false; code: ReadFailure };

const TOO_LARGE: ReadResult = Object.freeze({ ok: false, code: 'body_too_large' });
const TOO_SLOW: ReadResult = Object.freeze({ ok: false, code: 'body_too_slow' });
const FULL: ReadResult = Object.freeze({ ok: false, code: 'slow_bodies_full' });
const TIMEOUT: ReadResult = Object.freeze({ ok: false, code: 'body_timeout' });
const ABORTED: ReadResult = Object.freeze({ ok: false, code: 'body_aborted' });
const EMPTY = Buffer.alloc(0);

/**
 * Bodies still arriving when the read starts (slow clients, or big ones): each holds a request slot while it
 * trickles in, so they get a share of the slots and a minimum average rate after a grace time. A body that
 * came whole with its headers never takes one of these slots.
 */
export interface SlowBodies {
  /** Average bytes per second a body must reach once `graceMs` passed (0: no minimum). */
  readonly minBytesPerS: number;
  readonly graceMs: number;
  /** Takes a slot for a body still arriving; false when the share is used up. */
  enter(): boolean;
  leave(): void;
}

/** Who gets the result (an object rather than a callback: the hot path allocates no closure). */
export interface BodySink {
  bodyRead(r: ReadResult): void;
}

/**
 * Reads the whole body up to `limit` bytes within `timeoutMs` and calls `sink.bodyRead` once. Content-Length over the
 * limit is refused before a byte is read. On refusal the stream is left paused: the caller answers with
 * Connection: close.
 *
 * Call it later than the 'request' event (setImmediate): Node's parser pushes the bytes that came with the
 * headers (the whole body, for a small request) and marks the message complete after the handler returns.
 * When the message is complete by then, the body is taken from the stream's buffer in one read, with no
 * listener, timer or promise.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  sink: BodySink,
  slow: SlowBodies | null = null,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return sink.bodyRead(TOO_LARGE);
  if (req.complete && req.readableFlowing !== true) {
    const size = req.readableLength;
    if (size > limit) return sink.bodyRead(TOO_LARGE);
    // read() in paused mode hands over everything buffered (one Buffer: no encoding is set on requests)
    const body = size === 0 ? null : (req.read() as Buffer | null);
    if (body !== null || size === 0) return sink.bodyRead({ ok: true, body: body ?? EMPTY });
  }
  if (req.destroyed) return sink.bodyRead(ABORTED); // closed before this tick: no 'close' is coming any more
  if (slow !== null && !slow.enter()) return sink.bodyRead(FULL);
  readStreamed(req, limit, timeoutMs, sink, slow);
}

/** The body still arriving: listeners until 'end', a deadline, and the limit counted chunk by chunk. */
function readStreamed(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  sink: BodySink,
  slow: SlowBodies | null,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const started = performance.now();
  let rateTimer: NodeJS.Timeout | undefined;
  const finish = (r: ReadResult) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearTimeout(rateTimer);
    slow?.leave();
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onAbort);
    req.off('close', onClose);
    if (!r.ok) req.pause();
    sink.bodyRead(r);
  };
  const onData = (c: Buffer) => {
    size += c.length;
    if (size > limit) finish(TOO_LARGE);
    else chunks.push(c);
  };
  const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
  const onAbort = () => finish(ABORTED);
  const onClose = () => {
    if (!req.complete) onAbort();
  };
  const timer = setTimeout(() => finish(TIMEOUT), timeoutMs);
  if (slow !== null && slow.minBytesPerS > 0 && slow.graceMs < timeoutMs) {
    // After the grace time, once a second: the average rate so far, so a client cannot hold a slot by
    // sending a byte now and then (nginx and HAProxy time each read; Kestrel, like this, checks a rate).
    const minRate = slow.minBytesPerS;
    const check = () => {
      if (size < (minRate * (performance.now() - started)) / 1000) finish(TOO_SLOW);
      else rateTimer = setTimeout(check, 1000);
    };
    rateTimer = setTimeout(check, slow.graceMs);
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onAbort);
  req.on('close', onClose);
}

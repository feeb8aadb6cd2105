// Bounded body buffering: stops at the route's limit or deadline, never holds more than it may inspect.
import type { IncomingMessage } from 'node:http';

export type ReadResult =
  { ok: true; body: Buffer } | { ok: false; code: 'body_too_large' | 'body_timeout' | 'body_aborted' };

/**
 * Reads the whole body up to `limit` bytes within `timeoutMs`. Content-Length over the limit is refused
 * before a byte is read. On refusal the stream is left paused: the caller answers with Connection: close.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<ReadResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.resolve({ ok: false, code: 'body_too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: ReadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      if (!r.ok) req.pause();
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish({ ok: false, code: 'body_too_large' });
      else chunks.push(c);
    };
    const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onAbort = () => finish({ ok: false, code: 'body_aborted' });
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    const timer = setTimeout(() => finish({ ok: false, code: 'body_timeout' }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

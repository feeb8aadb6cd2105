// Whether a refusal sent before the request body was read must close the connection, or may keep it.
import type { IncomingMessage } from 'node:http';

/**
 * Under a flood, refusing is the gateway's whole job: a closed connection costs the client a new handshake
 * and the gateway a new socket per refusal. A body not read yet is left for Node to discard after the answer
 * when its framing leaves no doubt where it ends: declared by Content-Length alone, short, and not awaiting
 * "100 Continue" (a client that waits may never send it). Anything else closes, so unread bytes can never
 * be taken for the next request.
 */
export const DRAIN_MAX_BYTES = 65_536;

/** True when the unread body of `req` rules out keeping the connection after a refusal. */
export function mustClose(req: IncomingMessage): boolean {
  if (req.complete) return false; // nothing left on the wire
  const h = req.headers;
  // a read already started (and stopped at a limit) leaves an unknown part of the body on the wire
  if (h['transfer-encoding'] !== undefined || h.expect !== undefined || req.readableFlowing !== null) return true;
  const cl = h['content-length'];
  return cl === undefined || !(Number(cl) <= DRAIN_MAX_BYTES);
}

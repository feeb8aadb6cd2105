// What a request's framing headers say about its body: one answer for the data plane, the body phase and the flight.
import type { IncomingHttpHeaders } from 'node:http';

/** Framing headers are present (Content-Length, even 0, or Transfer-Encoding): the request declares a body. */
export function declaresBody(h: IncomingHttpHeaders): boolean {
  return h['content-length'] !== undefined || h['transfer-encoding'] !== undefined;
}

/** Body bytes follow the head: a non-zero Content-Length, or Transfer-Encoding (whose chunks are unknown yet). */
export function bodyFollows(h: IncomingHttpHeaders): boolean {
  const cl = h['content-length'];
  return (cl !== undefined && cl !== '0') || h['transfer-encoding'] !== undefined;
}

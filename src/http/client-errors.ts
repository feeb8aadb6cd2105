// Refusals made by Node's HTTP parser (oversized headers, bad framing, header timeouts): answered with the
// same JSON refusal as everything else, counted, and written as security events.
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { rawRefusal, refusalJson, type Disclose } from './refusal.js';
import { normaliseIp } from '../net/ip.js';
import { EVENT_SCHEMA, type EventSink } from '../telemetry/events.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { HeaderList } from './security-headers.js';

export interface ClientErrorContext {
  readonly metrics: Metrics;
  readonly events: EventSink;
  /** Sockets whose request is already in the data plane: their errors are handled there. */
  readonly active: {
    has(socket: Socket): boolean;
    /** Answers the socket's request in the data plane with this refusal; false when it cannot (cut instead). */
    refuse(socket: Socket, status: number, reason: string): boolean;
  };
  settings(): { disclose: Disclose; securityHeaders: HeaderList; requestIdHeader: string };
}

/** `active`: the request's headers were accepted already (a failure now is in its body). */
function classify(code: string | undefined, active: boolean): { status: number; kind: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, kind: 'headers_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // Node's request timeout covers headers and body: once the headers were in, it was the body that was late
      return { status: 408, kind: active ? 'body_timeout' : 'header_timeout' };
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, kind: 'header_timeout' };
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_STRICT':
    case 'HPE_CR_EXPECTED':
    case 'HPE_LF_EXPECTED':
      return { status: 400, kind: active ? 'bad_chunk' : 'malformed' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, kind: 'ambiguous_framing' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { status: 0, kind: 'reset' };
    default:
      return { status: 400, kind: 'malformed' };
  }
}

export function onClientError(c: ClientErrorContext) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    const active = c.active.has(socket);
    const { status, kind } = classify(err.code, active);
    c.metrics.clientErrors.labels(kind).inc();
    if (active) {
      // The request's headers were accepted and its body was being read (bad chunk framing, the request
      // timeout): the data plane answers it, with its request id and its security event.
      if (status === 0 || !socket.writable || !c.active.refuse(socket, status, `request:${kind}`)) socket.destroy();
      return;
    }
    if (status === 0 || !socket.writable) {
      socket.destroy();
      return;
    }
    const s = c.settings();
    const id = randomUUID();
    const reason = `request:${kind}`;
    const ip = normaliseIp(socket.remoteAddress ?? '');
    const headers = [...s.securityHeaders, [s.requestIdHeader, id] as const];
    socket.end(rawRefusal(status, refusalJson(status, id, [reason], s.disclose), headers));
    socket.destroySoon();
    c.events.write({
      schema: EVENT_SCHEMA,
      time: new Date().toISOString(),
      request_id: id,
      client_ip: ip,
      peer_ip: ip,
      method: '',
      route: '_unparsed',
      decision: 'refuse',
      status,
      mode: 'enforce',
      module: 'request',
      reasons: [reason],
      score: 0,
      user: null,
      tier: 'anonymous',
      matches: [],
    });
    c.metrics.securityEvents.labels('refuse').inc();
  };
}

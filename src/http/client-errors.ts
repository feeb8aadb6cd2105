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
  readonly active: { has(socket: Socket): boolean };
  settings(): { disclose: Disclose; securityHeaders: HeaderList; requestIdHeader: string };
}

function classify(code: string | undefined): { status: number; kind: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, kind: 'headers_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, kind: 'header_timeout' };
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
    const { status, kind } = classify(err.code);
    c.metrics.clientErrors.labels(kind).inc();
    if (c.active.has(socket) || status === 0 || !socket.writable) {
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

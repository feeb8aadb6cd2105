// The access log: one JSON line per request (allowed or refused), off by default; reopened by path on SIGHUP.
// Never a credential: no header is logged, and of the query only the parameter names.
import { pino } from 'pino';
import type { RequestContext } from '../core/context.js';

export const ACCESS_SCHEMA = 'portcullis.access/1';

export interface AccessEntry {
  readonly schema: typeof ACCESS_SCHEMA;
  readonly time: string;
  readonly request_id: string;
  readonly client_ip: string;
  readonly method: string;
  /** The canonical path (what routes match), cut at 1024 characters. */
  readonly path: string;
  /** Names of the query parameters, never their values (tokens and codes travel there). */
  readonly query_keys: readonly string[];
  readonly status: number;
  /** Body bytes of the answer (its Content-Length; 0 for HEAD, a cut answer, or one streamed without it). */
  readonly bytes: number;
  /** Accept to the end of the answer. */
  readonly duration_ms: number;
  /** Forwarded to the response headers of the upstream; null when not forwarded (or no answer came). */
  readonly upstream_ms: number | null;
  readonly route: string;
  readonly tier: string;
  readonly user: string | null;
  readonly decision: string;
  /** The module that refused, '' when none. */
  readonly module: string;
  readonly score: number;
}

const MAX_PATH = 1024;
const MAX_QUERY_KEYS = 32;

const ms = (x: number): number => Math.round(x * 1000) / 1000;

function queryKeys(query: string): string[] {
  if (query === '') return [];
  const keys: string[] = [];
  for (const part of query.split('&')) {
    if (keys.length === MAX_QUERY_KEYS) break;
    const eq = part.indexOf('=');
    let k = eq === -1 ? part : part.slice(0, eq);
    try {
      k = decodeURIComponent(k.replace(/\+/g, ' '));
    } catch {
      // an undecodable name is logged as sent
    }
    if (k !== '' && !keys.includes(k)) keys.push(k.slice(0, 64));
  }
  return keys;
}

export function accessEntryFor(ctx: RequestContext, now: Date = new Date()): AccessEntry {
  return {
    schema: ACCESS_SCHEMA,
    time: now.toISOString(),
    request_id: ctx.id,
    client_ip: ctx.clientIp,
    method: ctx.method.length <= 16 ? ctx.method : ctx.method.slice(0, 16),
    path: ctx.path.length <= MAX_PATH ? ctx.path : ctx.path.slice(0, MAX_PATH),
    query_keys: queryKeys(ctx.query),
    status: ctx.status,
    bytes: ctx.bytesOut,
    duration_ms: ms((ctx.end || performance.now()) - ctx.start),
    upstream_ms: ctx.upstreamSent > 0 && ctx.upstreamHeaders > 0 ? ms(ctx.upstreamHeaders - ctx.upstreamSent) : null,
    route: ctx.route?.name ?? '_unmatched',
    tier: ctx.identity.tier,
    user: ctx.identity.user,
    decision: ctx.decision,
    module: ctx.refusedBy,
    score: ctx.score,
  };
}

export interface AccessSink {
  write(entry: AccessEntry): void;
  /** Opens a file destination again by its path (after logrotate renamed it). */
  reopen(): void;
  close(): void;
}

/** Every file sink open now: SIGHUP reopens them all (reopenAccessLogs). */
const open = new Set<AccessSink>();

/** Writes entries as JSON lines to 'stdout', 'stderr' or a file (created with its directory). */
export function createAccessSink(destination: string): AccessSink {
  const dest = destination === 'stdout' ? 1 : destination === 'stderr' ? 2 : destination;
  const stream = pino.destination({ dest, sync: false, mkdir: typeof dest === 'string' });
  const sink: AccessSink = {
    write(entry) {
      stream.write(JSON.stringify(entry) + '\n');
    },
    reopen() {
      if (typeof dest === 'string') stream.reopen();
    },
    close() {
      open.delete(sink);
      try {
        stream.flushSync();
      } catch {
        // nothing written yet
      }
      if (typeof dest === 'string') stream.end();
    },
  };
  open.add(sink);
  return sink;
}

/** Reopens every access log file by its path (the SIGHUP of logrotate's postrotate). */
export function reopenAccessLogs(): void {
  for (const s of open) s.reopen();
}

// Test helper: an upstream that records every request it sees (as it starts) and answers as the test says.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the upstream saw it; `body` grows while it arrives, `complete` once it ended. */
export interface Recorded {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** Header names and values exactly as received, alternating. */
  readonly rawHeaders: readonly string[];
  body: Buffer;
  complete: boolean;
  /** The connection went away before the request was complete (the sender gave up on it). */
  aborted: boolean;
}

/**
 * How the upstream answers: at once (keep-alive), or after `delayMs`; `close` adds `Connection: close` and
 * ends the connection after the answer.
 */
export interface UpstreamBehaviour {
  readonly delayMs?: number;
  readonly close?: boolean;
  readonly status?: number;
}

export interface RecordingUpstream {
  readonly url: string;
  readonly received: readonly Recorded[];
  /** Requests whose answer is still pending. */
  readonly open: number;
  /** Complete requests not answered yet (a half-sent request is not counted: it is never answered). */
  readonly pending: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  behaviour: UpstreamBehaviour;
  /** Everything a recorded request carried, as one latin1 string (for "must not contain" checks). */
  text(r: Recorded): string;
  close(): Promise<void>;
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

export async function startRecordingUpstream(initial: UpstreamBehaviour = {}): Promise<RecordingUpstream> {
  const received: Recorded[] = [];
  const state = { open: 0, pending: 0, connections: 0, behaviour: initial };
  const sockets = new Set<Socket>();
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const rec: Recorded = {
      at: Date.now(),
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      rawHeaders: [...req.rawHeaders],
      body: Buffer.alloc(0),
      complete: false,
      aborted: false,
    };
    received.push(rec);
    state.open++;
    const b = state.behaviour; // the behaviour when the request arrived
    let answered = false;
    let counted = false;
    res.on('close', () => {
      state.open--;
      if (counted) state.pending--;
      counted = false;
    });
    req.on('close', () => {
      if (!rec.complete) rec.aborted = true;
    });
    const answer = () => {
      if (answered || res.destroyed) return;
      answered = true;
      const headers: Record<string, string | number> = {
        'content-type': 'image/svg+xml',
        'content-length': Buffer.byteLength(SVG),
      };
      if (b.close === true) headers['connection'] = 'close';
      res.writeHead(b.status ?? 200, headers);
      res.end(SVG);
    };
    req.on('data', (c: Buffer) => {
      rec.body = Buffer.concat([rec.body, c]);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      rec.complete = true;
      if (!res.destroyed) {
        counted = true;
        state.pending++;
      }
      if ((b.delayMs ?? 0) > 0) setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.on('connection', (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, s: Socket) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get open() {
      return state.open;
    },
    get pending() {
      return state.pending;
    },
    get connections() {
      return state.connections;
    },
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: UpstreamBehaviour) {
      state.behaviour = b;
    },
    text: (r) => `${r.method} ${r.url}\n${r.rawHeaders.join('\n')}\n\n${r.body.toString('latin1')}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}

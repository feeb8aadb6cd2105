// Raw-socket client for the adversarial probes: timed writes, giving up, and several responses from one connection.
import net from 'node:net';

export interface WireResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface WireResult {
  readonly responses: readonly WireResponse[];
  /** The server closed (or reset) the connection before the client stopped reading. */
  readonly closedByServer: boolean;
  readonly reset: boolean;
  /** Bytes after the last complete response (garbage, or a response cut short). */
  readonly rest: string;
  readonly raw: string;
}

/** A write (bytes) or a pause (milliseconds) before the next write. */
export type Step = Buffer | number;

export interface ClientPlan {
  readonly steps: readonly Step[];
  /** The client gives up (destroys the socket) this long after connecting. */
  readonly closeAfterMs?: number;
  /** Stop reading this long after connecting, whatever happened. */
  readonly waitMs: number;
  /** Stop early (after a short grace) once this many complete responses arrived... */
  readonly expectResponses?: number;
  /** ...unless the server is also expected to close the connection: then wait for the close. */
  readonly expectClose?: boolean;
}

const GRACE_MS = 100;

/** Parses consecutive HTTP/1.x responses from `raw` (latin1); a cut-short last one is left in `rest`. */
export function parseResponses(raw: string, closed: boolean): { responses: WireResponse[]; rest: string } {
  const responses: WireResponse[] = [];
  let pos = 0;
  while (pos < raw.length && raw.startsWith('HTTP/1.', pos)) {
    const headEnd = raw.indexOf('\r\n\r\n', pos);
    if (headEnd === -1) break;
    const [statusLine, ...lines] = raw.slice(pos, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i <= 0) continue;
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    const bodyStart = headEnd + 4;
    let body = '';
    let next = bodyStart;
    if (status < 200 || status === 204 || status === 304) {
      next = bodyStart;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      let p = bodyStart;
      let ok = false;
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', p);
        if (lineEnd === -1) break;
        const size = parseInt(raw.slice(p, lineEnd), 16);
        if (!Number.isFinite(size)) break;
        if (size === 0) {
          const trailerEnd = raw.indexOf('\r\n\r\n', lineEnd);
          if (trailerEnd === -1) break;
          next = trailerEnd + 4;
          ok = true;
          break;
        }
        if (raw.length < lineEnd + 2 + size + 2) break;
        body += raw.slice(lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
      }
      if (!ok) break;
    } else if (headers['content-length'] !== undefined) {
      const cl = Number(headers['content-length']);
      // An answer to HEAD announces a length but carries no body: the next response starts right away.
      if (raw.startsWith('HTTP/1.', bodyStart) || (closed && raw.length === bodyStart)) next = bodyStart;
      else if (raw.length - bodyStart >= cl) {
        body = raw.slice(bodyStart, bodyStart + cl);
        next = bodyStart + cl;
      } else break;
    } else if (closed) {
      body = raw.slice(bodyStart);
      next = raw.length;
    } else break;
    responses.push({ status, headers, body });
    pos = next;
  }
  return { responses, rest: raw.slice(pos) };
}

/** Connects, writes the steps (pausing where told), and collects what the server sends back. */
export function exchange(url: string, plan: ClientPlan): Promise<WireResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname);
    const timers: NodeJS.Timeout[] = [];
    let raw = '';
    let closedByServer = false;
    let reset = false;
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      if (grace !== undefined) clearTimeout(grace);
      sock.destroy();
      const { responses, rest } = parseResponses(raw, closedByServer);
      resolve({ responses, closedByServer, reset, rest, raw });
    };
    timers.push(setTimeout(finish, plan.waitMs));
    if (plan.closeAfterMs !== undefined) timers.push(setTimeout(finish, plan.closeAfterMs));
    sock.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      if (plan.expectResponses === undefined || plan.expectClose === true) return;
      if (parseResponses(raw, false).responses.length >= plan.expectResponses) {
        if (grace !== undefined) clearTimeout(grace);
        grace = setTimeout(finish, GRACE_MS);
      }
    });
    sock.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true;
      closedByServer = true;
      finish();
    });
    sock.on('end', () => {
      closedByServer = true;
      finish();
    });
    sock.on('close', () => {
      if (!done) closedByServer = true;
      finish();
    });
    sock.on('connect', () => {
      void (async () => {
        for (const s of plan.steps) {
          if (done || sock.destroyed) return;
          if (typeof s === 'number') await new Promise((r) => setTimeout(r, s));
          else sock.write(s);
        }
      })();
    });
  });
}

// Test helper: raw HTTP/1.1 over a socket, for requests fetch/undici refuse to send (bad framing, odd paths).
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function parseRaw(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
    headers,
    body: end === -1 ? '' : raw.slice(end + 4),
    raw,
  };
}

/** Sends bytes (optionally in timed parts), reads until the server closes or `waitMs` passes. */
export function rawRequest(url: string, parts: string | Array<string | number>, waitMs = 3000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const list = typeof parts === 'string' ? [parts] : parts;
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let out = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseRaw(out));
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('data', (d) => {
      out += d.toString('latin1');
      const r = parseRaw(out);
      const cl = Number(r.headers['content-length'] ?? NaN);
      if (
        r.status !== 0 &&
        Number.isFinite(cl) &&
        Buffer.byteLength(r.body, 'latin1') >= cl &&
        r.headers['connection'] !== 'close'
      )
        finish();
    });
    sock.on('close', finish);
    sock.on('error', (e) => (out === '' && !done ? reject(e) : finish()));
    sock.on('connect', async () => {
      for (const p of list) {
        if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
        else if (!sock.destroyed) sock.write(Buffer.from(p, 'latin1'));
      }
    });
  });
}

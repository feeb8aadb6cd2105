// Test helper: a request whose body never arrives (headers with Content-Length, then nothing), to prove a
// refusal is made from the client address alone, before any body is read.
import net from 'node:net';
import { parseRaw, type RawResponse } from '../../helpers/raw.js';

export interface HeldBodyResult extends RawResponse {
  /** The server closed the connection (rather than the test giving up). */
  readonly closedByServer: boolean;
  /** A `100 Continue` interim response was seen. */
  readonly sawContinue: boolean;
}

/**
 * Sends the request head (Content-Length: 1000, no body bytes) and waits for the server to answer and close.
 * Gives up after `waitMs` (well under the gateway's body timeout) and reports closedByServer: false then.
 */
export function heldBody(url: string, headers: Record<string, string>, waitMs = 3000): Promise<HeldBodyResult> {
  const { hostname, port } = new URL(url);
  const head =
    'POST /compile HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n' +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let out = '';
    let settled = false;
    const done = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const sawContinue = out.startsWith('HTTP/1.1 100');
      const final = sawContinue ? out.slice(out.indexOf('\r\n\r\n') + 4) : out;
      resolve({ ...parseRaw(final), closedByServer, sawContinue });
    };
    const timer = setTimeout(() => done(false), waitMs);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => done(true));
    sock.on('close', () => done(true));
    sock.on('error', (e) => (out === '' ? reject(e) : done(true)));
    sock.on('connect', () => sock.write(head));
  });
}

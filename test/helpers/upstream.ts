// Test helper: an upstream whose behaviour each test chooses (echo, slow, reset, big, custom).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface TestUpstream {
  readonly url: string;
  readonly received: Received[];
  /** Requests that reached the upstream but whose answer is still pending. */
  open: number;
  close(): Promise<void>;
}

export type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** Default: 200 with a small SVG, and echoes what it received in x-echo-* headers. */
export const svgAnswer: Behaviour = (_req, res) => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';
  res.writeHead(200, { 'content-type': 'image/svg+xml', 'content-length': Buffer.byteLength(svg) });
  res.end(svg);
};

export async function startUpstream(behaviour: Behaviour = svgAnswer): Promise<TestUpstream> {
  const received: Received[] = [];
  const state = { open: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    state.open++;
    res.on('close', () => state.open--);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
      });
      behaviour(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get open() {
      return state.open;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

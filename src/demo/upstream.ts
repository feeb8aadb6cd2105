// A sample compile upstream for the demo and tests. It compiles nothing: it answers POST /compile with a
// fixed SVG that says so, and GET /health with ok.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FIXTURE_NOTE = 'Portcullis demo fixture: this upstream is not a TeX compiler';

const SVG = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?>\n<!-- ${FIXTURE_NOTE} -->\n` +
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">' +
    '<rect x="1" y="1" width="118" height="58" fill="none" stroke="black"/>' +
    '<text x="60" y="35" font-size="10" text-anchor="middle">demo fixture</text></svg>\n',
);

export interface Upstream {
  readonly url: string;
  readonly server: http.Server;
  /** Requests received so far (method, path, headers, body) — tests read it to prove what was forwarded. */
  readonly received: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}

export async function startDemoUpstream(port = 0, host = '127.0.0.1'): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (received.length > 1000) received.shift();
      if (req.method === 'POST' && req.url === '/compile') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'content-length': SVG.length, 'x-demo-fixture': 'true' });
        res.end(SVG);
      } else if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
        res.end('ok');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 });
        res.end('not found');
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Bench anchor: the barest useful reverse proxy on undici — no checks, no logging, no metrics. What the gateway
// is compared with. Request bodies stream to the upstream, answers stream back through pool.stream.
// Usage: node bench/bare-proxy.mjs   env PORT (0: any), UPSTREAM_URL; prints {"listening":<port>} once bound.
import http from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:3000';
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

// Connection-scoped headers (RFC 9110 7.6.1) never cross a proxy; host is set by undici from the pool origin.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
]);

function requestHeaders(raw) {
  const kept = [];
  for (let i = 0; i < raw.length; i += 2) if (!hopByHop.has(raw[i].toLowerCase())) kept.push(raw[i], raw[i + 1]);
  return kept;
}

function responseHeaders(headers) {
  const kept = {};
  for (const name in headers) if (!hopByHop.has(name)) kept[name] = headers[name];
  return kept;
}

const server = http.createServer((req, res) => {
  const withBody = 'content-length' in req.headers || 'transfer-encoding' in req.headers;
  pool.stream(
    { method: req.method, path: req.url, headers: requestHeaders(req.rawHeaders), body: withBody ? req : null },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, responseHeaders(headers));
      return res;
    },
    (err) => {
      if (err === null || err === undefined) return;
      if (res.headersSent) return void res.destroy(err);
      res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream failed\n');
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port, upstream }));
});

const stop = () => {
  server.close(() => void pool.close().finally(() => process.exit(0)));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

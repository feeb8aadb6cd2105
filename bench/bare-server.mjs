// Bench anchor for npm run bench -- --reject: the barest node:http server. Reads the whole request body (if any),
// then answers 200 "ok" on a kept-alive connection, whatever the method and path. What the gateway's refusals
// are compared with: answering at all, with nothing checked.
// Usage: node bench/bare-server.mjs   env PORT (0: any free port); prints {"listening":<port>} once bound.
import http from 'node:http';

const server = http.createServer((req, res) => {
  req.resume(); // consume the body
  req.on('end', () => res.end('ok'));
  req.on('error', () => res.destroy());
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

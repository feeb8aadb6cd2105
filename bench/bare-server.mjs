// Bench anchor for npm run bench -- --reject: the barest node:http server. Reads the whole request body (if any),
// then answers 200 "ok" on a kept-alive connection, whatever the method and path. What the gateway's refusals
// are compared with: answering at all, with nothing checked.
// Usage: node bench/bare-server.mjs   env PORT (0: any free port); prints {"listening":<port>} once bound.
import http from 'node:http';
import { serve } from './lib/serve.mjs';

const server = http.createServer((req, res) => {
  req.resume(); // consume the body
  req.on('end', () => res.end('ok'));
  req.on('error', () => res.destroy());
});
server.keepAliveTimeout = 65_000;
serve(server);

// Bench row for npm run bench -- --reject: the floor of a refusal in node:http. A bare server that answers
// every request with the gateway's 404 refusal as the gateway writes it (the configuration's security headers,
// a new request id, the JSON body with its reasons) and nothing else: no route, no check, no event, no metric.
// Its ratio to bench/bare-server.mjs is what answering with a refusal costs before the gateway does anything;
// a gateway row cannot be faster than it. Like the gateway, it answers at once and drains a short body.
// Usage: node bench/refusal-floor.mjs   env FLOOR_CONFIG (a gateway.yaml, whose security headers, request id
// header and disclosure it copies), PORT (0: any free port); prints {"listening":<port>} once bound.
import http from 'node:http';
import { serve } from './lib/serve.mjs';
import { randomUUID } from 'node:crypto';
import { loadConfigFile } from '../dist/config/load.js';
import { buildSecurityHeaders } from '../dist/http/security-headers.js';
import { refusalJson, writeRefusal } from '../dist/http/refusal.js';

const config = await loadConfigFile(process.env.FLOOR_CONFIG ?? 'gateway.yaml');
const security = buildSecurityHeaders(config.security_headers);
const idHeader = config.server.request_id_header.toLowerCase();
const reasons = Object.freeze(['route:not_found']);

const server = http.createServer((req, res) => {
  req.resume(); // drained, as the gateway drains a short body after a refusal sent before it
  req.on('error', () => res.destroy());
  const id = randomUUID();
  writeRefusal(
    res,
    404,
    refusalJson(404, id, reasons, config.refusals.disclose),
    security,
    idHeader,
    id,
    undefined,
    false,
  );
});
server.keepAliveTimeout = 65_000;
serve(server);

// Bench upstream: a stand-in compile service. POST /compile reads the whole body and answers a fixed ~1 KB SVG.
// Usage: node bench/upstream.mjs   env PORT (0: any free port), SVG_FILE (answer that file instead), prints
// {"listening":<port>} once bound.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { serve } from './lib/serve.mjs';

// A small picture shaped like dvisvgm output (an axis, a curve, a dot); the bytes are what matters here.
const svg = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120pt" height="90pt" viewBox="0 0 120 90" version="1.1">',
  '<defs><clipPath id="c1"><path d="M 0 0 L 120 0 L 120 90 L 0 90 Z"/></clipPath></defs>',
  '<g id="page1" clip-path="url(#c1)">',
  '<path fill="none" stroke-width="0.4" stroke="rgb(60%,60%,60%)" d="M 10 80 L 110 80 M 10 80 L 10 10"/>',
  '<path fill="none" stroke-width="0.8" stroke="rgb(0%,0%,100%)" d="M 10 80 C 30 78 50 70 70 52 C 85 38 98 22 110 10"/>',
  '<path fill="none" stroke-width="0.6" stroke="rgb(0%,50%,0%)" stroke-dasharray="2 1" d="M 10 80 L 110 20"/>',
  '<path fill="rgb(100%,0%,0%)" stroke="none" d="M 62 58 C 62 59.1 61.1 60 60 60 C 58.9 60 58 59.1 58 58 C 58 56.9 58.9 56 60 56 C 61.1 56 62 56.9 62 58 Z"/>',
  '<path fill="rgb(0%,0%,0%)" stroke="none" d="M 112.5 80.3 L 111 79.2 L 111 81.4 Z M 10.3 7.5 L 9.2 9 L 11.4 9 Z"/>',
  '<g fill="rgb(0%,0%,0%)"><use xlink:href="#glyph-x" x="114" y="83"/><use xlink:href="#glyph-y" x="8" y="6"/></g>',
  '<rect x="78" y="4" width="36" height="12" rx="2" fill="rgb(100%,100%,80%)" stroke="rgb(0%,0%,0%)" stroke-width="0.4"/>',
  '</g>',
  '</svg>',
  '',
].join('\n');
// SVG_FILE (npm run bench -- --svg FILE): that file instead, e.g. a real dvisvgm SVG for the SVG inspection row.
const SVG = process.env.SVG_FILE ? readFileSync(process.env.SVG_FILE) : Buffer.from(svg.padEnd(1080, ' '), 'utf8');

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/compile') {
    let received = 0;
    req.on('data', (c) => (received += c.length));
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'image/svg+xml',
        'content-length': SVG.length,
        'x-received-bytes': String(received),
      });
      res.end(SVG);
    });
    req.on('error', () => res.destroy());
    return;
  }
  req.resume();
  const ok = req.method === 'GET' && req.url === '/health';
  const body = ok ? 'ok\n' : 'not found\n';
  req.on('end', () => {
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
});
// Outlive the proxies' pooled keep-alive sockets so we never close one first (a race that shows up as 502s).
server.keepAliveTimeout = 70_000;
server.headersTimeout = 71_000;

serve(server, { svg_bytes: SVG.length });

// CORS preflights on the compile route (docs/cors-tls.md): the gateway answers no CORS itself. A route that does
// not list OPTIONS refuses the preflight 404 (route:not_found), and preflights never count as probing; a route
// that lists OPTIONS forwards it, and the compile service's Access-Control-* answer reaches the browser, on the
// preflight and on the POST after it. Real gateway, real upstream answering CORS.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const ORIGIN = 'https://app.example.org';
let up: TestUpstream | null = null;
let g: TestGateway | null = null;
afterEach(async () => {
  await g?.close();
  await up?.close();
  g = up = null;
});

/** An upstream with a CORS policy of its own: preflights 204 with the allowed origin, answers tagged too. */
async function corsUpstream(): Promise<TestUpstream> {
  return startUpstream((req, res) => {
    const cors = { 'access-control-allow-origin': ORIGIN, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    res.writeHead(200, { ...cors, 'content-type': 'image/svg+xml' });
    res.end('<svg xmlns="http://www.w3.org/2000/svg"/>');
  });
}

const route = (methods: string) => `routes:
  - { name: compile, methods: ${methods}, path: /compile, inspect_body: true, content_types: [application/json] }
checks:
  probing: { mode: enforce, threshold: 5, exempt: [] }
`;

const preflight = () =>
  request(`${g!.url}/compile`, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });

describe('CORS preflight on the compile route', () => {
  it('a route without OPTIONS: 404 route:not_found, not forwarded, and never counted as probing', async () => {
    up = await corsUpstream();
    g = await startTestGateway(baseConfig(up.url, `refusals: { disclose: codes }\n${route('[POST]')}`));
    for (let i = 0; i < 8; i++) {
      const r = await preflight();
      expect(r.statusCode).toBe(404);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(JSON.parse(await r.body.text()).reasons).toEqual(['route:not_found']);
    }
    expect(up.received.length).toBe(0);
    await new Promise((res) => setTimeout(res, 50));
    const post = await request(`${g.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}',
    });
    await post.body.dump();
    expect(post.statusCode).toBe(200); // 8 preflights > threshold 5, yet no probing refusal
  });

  it('a route listing OPTIONS forwards the preflight; the service CORS answer reaches the client', async () => {
    up = await corsUpstream();
    g = await startTestGateway(baseConfig(up.url, route('[POST, OPTIONS]')));
    const r = await preflight();
    await r.body.dump();
    expect(r.statusCode).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(r.headers['access-control-allow-methods']).toBe('POST');
    expect(up.received.at(-1)).toMatchObject({ method: 'OPTIONS' });
    expect(up.received.at(-1)!.headers.origin).toBe(ORIGIN);
    const post = await request(`${g.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}',
    });
    await post.body.dump();
    expect(post.statusCode).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});

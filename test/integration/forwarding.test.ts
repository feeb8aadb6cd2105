// Forwarding over real sockets: buffered and streamed bodies, header rewriting, canonical paths, client IPs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { Readable } from 'node:stream';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { rawRequest } from '../helpers/raw.js';

const paths = JSON.parse(readFileSync(new URL('../vectors/http/paths.json', import.meta.url), 'utf8')) as {
  routed_to_compile: string[];
  not_compile: string[];
};

const TIKZ = JSON.stringify({ tikz_code: '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}', title: 'ok' });

describe('forwarding', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE + 'unmatched: { action: forward }\n'));
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('forwards an inspected body as the original bytes, with X-Forwarded-* and the request id', async () => {
    // Whitespace and key order the parser would lose: the upstream must see exactly these bytes.
    const body = `{ "title" : "ok",\n  "tikz_code":"\\\\draw (0,0);" }`;
    const res = await request(`${t.url}/compile?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6' },
      body,
    });
    expect(res.statusCode).toBe(200);
    const rid = res.headers['x-request-id'] as string;
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.body.text()).toContain('<svg');
    const got = up.received.at(-1)!;
    expect(got.body.toString()).toBe(body);
    expect(got.url).toBe('/compile?x=1');
    expect(got.headers['x-request-id']).toBe(rid);
    // untrusted peer: its X-Forwarded-For is replaced, not extended
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers['x-forwarded-proto']).toBe('http');
    expect(got.headers['x-forwarded-host']).toBe(new URL(t.url).host);
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('drops hop-by-hop headers, including those named in Connection, both ways', async () => {
    const res = await rawRequest(
      t.url,
      `GET /health HTTP/1.1\r\nHost: t\r\nConnection: x-secret\r\nX-Secret: s\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nUpgrade: websocket\r\nX-Kept: k\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    const got = up.received.at(-1)!;
    for (const h of ['x-secret', 'te', 'proxy-authorization', 'upgrade']) expect(got.headers[h]).toBeUndefined();
    expect(got.headers['x-kept']).toBe('k');
  });

  it('streams an uninspected body (chunked) and the response', async () => {
    const chunks = ['part-1;', 'part-2;', 'part-3'];
    const res = await request(`${t.url}/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.from(chunks.map((c) => Buffer.from(c))),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(up.received.at(-1)!.body.toString()).toBe(chunks.join(''));
    expect(up.received.at(-1)!.headers['transfer-encoding']).toBe('chunked');
  });

  it('forwards form bodies on the inspected route', async () => {
    const body = 'tikz_code=%5Cdraw+%280%2C0%29%3B&title=t';
    const res = await request(`${t.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(up.received.at(-1)!.body.toString()).toBe(body);
  });

  it.each(paths.routed_to_compile)('%s takes the /compile policy and is forwarded as /compile', async (p) => {
    // a duplicate key proves the inspected route's policy applied (it is refused there)
    const bad = await rawRequest(
      t.url,
      `POST ${p} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"a":"1","a":"2"}`,
    );
    expect(bad.status).toBe(400);
    const ok = await rawRequest(
      t.url,
      `POST ${p} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${TIKZ.length}\r\n\r\n${TIKZ}`,
    );
    expect(ok.status).toBe(200);
    expect(up.received.at(-1)!.url.toLowerCase()).toBe('/compile');
  });

  it.each(paths.not_compile)('%s is not /compile: forwarded uninspected under that name', async (p) => {
    const res = await rawRequest(
      t.url,
      `POST ${p} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"a":"1","a":"2"}`,
    );
    expect(res.status).toBe(200); // no inspection: the duplicate key went through
    expect(up.received.at(-1)!.url).not.toBe('/compile');
  });
});

// The bounded body read on an inspected route, both ways it happens: a body that came with the headers
// (taken from the stream's buffer in one read) and one still arriving (read chunk by chunk, with the limit
// and deadline). Either way the upstream gets exactly the client's bytes, or nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { rawRequest } from '../helpers/raw.js';

const BODY = `{"tikz_code":"\\\\draw (0,0) -- (1,1);","title":"a \\u00e9 b"}`;
const head = (len: number, extra = '') =>
  `POST /compile HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n${extra}\r\n`;
const chunkedHead =
  'POST /compile HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

/** Sends `data` at once and collects answers until `count` complete responses arrived (or 3 s passed). */
function pipelined(url: string, data: string, count: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(data));
    let out = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 3000);
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if ((out.match(/<\/svg>/g) ?? []).length >= count) done();
    });
    sock.on('error', done);
  });
}

describe('body read', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    // refusals name their reason codes to the client: the assertions below read them from the body
    t = await startTestGateway(
      baseConfig(up.url, `${COMPILE_ROUTE}refusals:\n  disclose: codes\n`, '  body_timeout_ms: 2000'),
    );
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('forwards a body that came in the same packet as the headers, byte for byte', async () => {
    const res = await rawRequest(t.url, head(Buffer.byteLength(BODY)) + BODY);
    expect(res.status).toBe(200);
    expect(up.received.at(-1)!.body.toString()).toBe(BODY);
  });

  it('forwards a body that arrives in parts after the headers, byte for byte', async () => {
    const res = await rawRequest(t.url, [head(Buffer.byteLength(BODY)), 60, BODY.slice(0, 20), 60, BODY.slice(20)]);
    expect(res.status).toBe(200);
    expect(up.received.at(-1)!.body.toString()).toBe(BODY);
  });

  it('forwards a chunked body that arrives in parts as the bytes it carried', async () => {
    const res = await rawRequest(t.url, [
      chunkedHead,
      40,
      chunk(BODY.slice(0, 25)),
      40,
      chunk(BODY.slice(25)) + '0\r\n\r\n',
    ]);
    expect(res.status).toBe(200);
    expect(up.received.at(-1)!.body.toString()).toBe(BODY);
  });

  it('refuses a chunked body over the limit with 413 and closes, whether it came at once or in parts', async () => {
    const big = `{"title":"${'x'.repeat(5000)}"}`; // the route's max_body_bytes is 4096
    const before = up.received.length;
    const atOnce = await rawRequest(t.url, chunkedHead + chunk(big) + '0\r\n\r\n');
    const inParts = await rawRequest(t.url, [chunkedHead, 40, chunk(big.slice(0, 3000)), 40, chunk(big.slice(3000))]);
    for (const res of [atOnce, inParts]) {
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).reasons).toEqual(['request:body_too_large']);
      expect(res.headers['connection']).toBe('close');
    }
    expect(up.received.length).toBe(before);
  });

  it('keeps pipelined requests apart: each body goes with its own request', async () => {
    const other = `{"tikz_code":"\\\\fill (0,0) circle (1);"}`;
    const before = up.received.length;
    const out = await pipelined(
      t.url,
      head(Buffer.byteLength(BODY)) + BODY + head(Buffer.byteLength(other)) + other,
      2,
    );
    expect(out.match(/HTTP\/1\.1 200 /g)?.length).toBe(2);
    expect(up.received.slice(before).map((r) => r.body.toString())).toEqual([BODY, other]);
  });

  it('a client that sends a whole request and leaves at once: nothing breaks, nothing is left in flight', async () => {
    const { hostname, port } = new URL(t.url);
    for (let i = 0; i < 20; i++) {
      const sock = net.connect(Number(port), hostname, () => {
        sock.write(head(Buffer.byteLength(BODY)) + BODY);
        sock.destroy();
      });
      sock.on('error', () => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
    const res = await rawRequest(t.url, head(Buffer.byteLength(BODY)) + BODY);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // the log phase runs on the response's 'close'
    expect(t.gw.inflight).toBe(0);
  });

  it('refuses a body that came at once but is not valid JSON with 400, nothing forwarded', async () => {
    const before = up.received.length;
    const bad = '{"tikz_code":"a","tikz_code":"b"}';
    const res = await rawRequest(t.url, head(bad.length) + bad);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).reasons).toEqual(['request:json_duplicate_key']);
    expect(up.received.length).toBe(before);
  });
});

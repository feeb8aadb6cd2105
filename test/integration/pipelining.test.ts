// Pipelined requests on one connection: taken one at a time, none after a refusal that closes it; a refusal
// before a short Content-Length body keeps the connection; a broken chunked body is answered 400, not reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import net from 'node:net';
import { parseRaw, type RawResponse } from '../helpers/raw.js';

/** Writes the bytes in one go and reads until the server closes or `waitMs` passes (several answers). */
function rawRequest(url: string, bytes: string, waitMs: number): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(Buffer.from(bytes, 'latin1')));
    let out = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(parseRaw(out));
    };
    const timer = setTimeout(done, waitMs);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('close', done);
    sock.on('error', done);
  });
}

const BODY = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';
const compile = (body = BODY) =>
  `POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const textPlain = 'POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc';

/** Every status line in a raw answer, in order. */
const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe('pipelining and the reject path', () => {
  let up: TestUpstream;
  let g: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    g = await startTestGateway(baseConfig(up.url, `${COMPILE_ROUTE}refusals: { disclose: codes }\n`));
  });
  afterAll(async () => {
    await g.close();
    await up.close();
  });

  it('a short body refused before it is read keeps the connection: the next request is answered', async () => {
    const before = up.received.length;
    const r = await rawRequest(g.url, textPlain + compile(), 500);
    expect(statuses(r.raw)).toEqual([415, 200]);
    expect(up.received.length).toBe(before + 1);
  });

  it('nothing pipelined after a refusal that closes the connection is inspected or forwarded', async () => {
    const before = up.received.length;
    const events = g.events.length;
    // a chunked body of a type the route refuses: its end is not known without reading it, so the refusal closes
    const chunked =
      'POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    const r = await rawRequest(g.url, chunked + compile() + compile(), 2000);
    expect(statuses(r.raw)).toEqual([415]);
    expect(r.headers['connection']).toBe('close');
    await new Promise((res) => setTimeout(res, 200));
    expect(up.received.length).toBe(before);
    expect(g.events.length).toBe(events + 1); // the 415 only: the others were never taken
  });

  it('pipelined compiles are answered in order, one at a time', async () => {
    const before = up.received.length;
    const r = await rawRequest(g.url, compile() + compile() + compile(), 500);
    expect(statuses(r.raw)).toEqual([200, 200, 200]);
    expect(up.received.length).toBe(before + 3);
  });

  it('a chunked body with a bad chunk size gets a 400 JSON refusal with its request id, not a reset', async () => {
    const before = up.received.length;
    const bad =
      'POST /compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\n{"tik\r\nzz\r\nnope\r\n0\r\n\r\n';
    const r = await rawRequest(g.url, bad, 2000);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'bad_request', reasons: ['request:bad_chunk'] });
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(up.received.length).toBe(before);
    expect(await metric(g.adminUrl, 'portcullis_client_errors_total', { kind: 'bad_chunk' })).toBeGreaterThan(0);
  });
});

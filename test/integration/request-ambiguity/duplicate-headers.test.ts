// Duplicate meaning-bearing headers and Connection naming a header the inspection relied on: refused 400
// before routing, nothing forwarded (Node keeps the first of some duplicates, the proxy forwards them all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { rawRequest } from '../../helpers/raw.js';

const CONFIG = `${COMPILE_ROUTE}unmatched: { action: forward }
refusals:
  disclose: codes
`;

/** Valid JSON (one harmless string) and a valid form (a tikz_code field) at once. */
const POLYGLOT = '{"a":"&tikz_code=\\\\immediate\\\\write18{id}&"}';

function post(path: string, headers: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: t\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('duplicate headers', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, CONFIG));
  });
  afterAll(async () => {
    await t?.close();
    await up?.close();
  });

  async function refused(raw: string, reason: string): Promise<void> {
    const before = up.received.length;
    const res = await rawRequest(t.url, raw);
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body) as { reasons: string[] }).reasons).toEqual([reason]);
    expect(res.headers['connection']).toBe('close');
    expect(up.received.length).toBe(before);
  }

  it('refuses two Content-Types (the body was judged by the first, the upstream may read the last)', async () => {
    const hs = 'Content-Type: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n';
    await refused(post('/compile', hs, POLYGLOT), 'request:duplicate_header');
    // same value twice, other spellings, and on a streamed route alike
    const same = 'content-type: application/json\r\nCONTENT-TYPE: application/json\r\n';
    await refused(post('/upload', same, '{}'), 'request:duplicate_header');
  });

  it.each([
    ['Content-Encoding', 'Content-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Encoding: identity\r\n'],
    ['Authorization', 'Content-Type: text/plain\r\nAuthorization: Bearer a\r\nauthorization: Bearer b\r\n'],
    ['Expect', 'Content-Type: text/plain\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n'],
  ])('refuses two %s headers', async (_name, hs) => {
    await refused(post('/upload', hs, 'x'), 'request:duplicate_header');
  });

  it('refuses two equal Content-Lengths (whatever Node makes of them, it is never forwarded)', async () => {
    const before = up.received.length;
    const res = await rawRequest(t.url, post('/upload', 'Content-Type: text/plain\r\nContent-Length: 1\r\n', 'x'));
    expect(res.status).toBe(400);
    expect(up.received.length).toBe(before);
  });

  it.each(['content-type', 'Content-Length', 'close, Content-Encoding', 'keep-alive,host'])(
    'refuses Connection: %s (the proxy would strip what the inspection relied on)',
    async (value) => {
      const hs = `Content-Type: application/json\r\nConnection: ${value}\r\n`;
      await refused(post('/compile', hs, '{"tikz_code":"\\\\draw;"}'), 'request:connection_strips_header');
    },
  );

  it('lets ordinary Connection values and single headers through', async () => {
    for (const c of ['keep-alive', 'close', 'Keep-Alive', 'x-secret, keep-alive', 'TE']) {
      const res = await rawRequest(
        t.url,
        post('/compile', `Content-Type: application/json\r\nConnection: ${c}\r\n`, '{"tikz_code":"\\\\draw;"}'),
      );
      expect(res.status, c).toBe(200);
    }
  });
});

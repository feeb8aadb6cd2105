// Bodies on GET/HEAD, a charset given twice, and path parameters (`;`, literal or %3B) that would dodge the
// route: each refused through a real gateway with `unmatched: forward`, nothing reaching the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { rawRequest } from '../../helpers/raw.js';

const paths = JSON.parse(readFileSync(new URL('../../vectors/http/paths.json', import.meta.url), 'utf8')) as {
  refused: Record<string, string>;
};

const CONFIG = `${COMPILE_ROUTE}  - name: fetch
    methods: [GET, HEAD]
    path: /files/*
unmatched: { action: forward }
refusals:
  disclose: codes
`;

describe('smaller ambiguities', () => {
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

  async function refused(raw: string, status: number, reason: string): Promise<void> {
    const before = up.received.length;
    const res = await rawRequest(t.url, raw);
    expect(res.status).toBe(status);
    // a HEAD answer has no body: the reasons are read from the security event instead
    const id = res.headers['x-request-id'];
    expect(t.events.find((e) => e.request_id === id)?.reasons).toEqual([reason]);
    if (!raw.startsWith('HEAD')) expect((JSON.parse(res.body) as { reasons: string[] }).reasons).toEqual([reason]);
    expect(up.received.length).toBe(before);
  }

  it.each([
    ['GET, Content-Length', 'GET /files/a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello'],
    ['HEAD, Content-Length', 'HEAD /files/a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello'],
    ['GET, chunked', 'GET /files/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    ['GET, unmatched path', 'GET /elsewhere HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello'],
  ])('refuses a body on %s', async (_name, raw) => {
    await refused(raw, 400, 'request:body_not_allowed');
  });

  it('lets GET with Content-Length: 0 and GET without a body through', async () => {
    for (const cl of ['Content-Length: 0\r\n', '']) {
      const res = await rawRequest(t.url, `GET /files/a HTTP/1.1\r\nHost: t\r\n${cl}\r\n`);
      expect(res.status).toBe(200);
    }
  });

  it.each([
    ['/compile', 'application/json; charset=utf-8; charset=utf-16'],
    ['/compile', 'application/json; charset=utf-8; charset=utf-8'],
    ['/upload', 'text/plain; charset=iso-8859-1; charset=utf-8'],
  ])('refuses a charset given twice (%s, %s)', async (path, ct) => {
    const body = '{"tikz_code":"x"}';
    await refused(
      `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: ${ct}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      415,
      'request:charset',
    );
  });

  it.each(Object.entries(paths.refused))('refuses the path %s (%s), not forwarded uninspected', async (p, code) => {
    const body = '{"a":"1","a":"2"}';
    await refused(
      `POST ${p} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      400,
      `request:${code}`,
    );
  });
});

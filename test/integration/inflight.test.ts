// The in-flight gauge: read at scrape time from the data plane's own count, so it must show a request held
// at the upstream and drop back once it is answered (or the client gives up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, svgAnswer, type TestUpstream } from '../helpers/upstream.js';

describe('portcullis_inflight_requests', () => {
  let up: TestUpstream;
  let t: TestGateway;
  const held: Array<() => void> = [];
  beforeAll(async () => {
    up = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) =>
      held.push(() => svgAnswer(req, res, body)),
    );
    t = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE));
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('counts requests held at the upstream and nothing once they are answered', async () => {
    expect(await metric(t.adminUrl, 'portcullis_inflight_requests')).toBe(0);
    const pending = [1, 2].map(() => request(`${t.url}/health`).then((r) => r.body.text()));
    await until(() => held.length === 2);
    expect(await metric(t.adminUrl, 'portcullis_inflight_requests')).toBe(2);
    for (const answer of held.splice(0)) answer();
    await Promise.all(pending);
    await until(() => up.open === 0);
    await new Promise((r) => setTimeout(r, 20)); // the log phase runs on the response's 'close'
    expect(await metric(t.adminUrl, 'portcullis_inflight_requests')).toBe(0);
  });
});

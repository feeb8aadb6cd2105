// Behaviour through a real gateway and a scripted compile service: time-outs from one client are refused by
// their 4th request (429, behaviour:resource_exhaustion), the finding rides on the security event and counts in
// the metrics; the gateway's own 429s are never counted as the client's compile failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import type http from 'node:http';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';

const TIMEOUT = { 'x-compile-outcome': 'timeout', 'x-compile-wall-ms': '30000' };

function timingOut(_q: http.IncomingMessage, res: http.ServerResponse): void {
  const body = '{"error":"timeout"}';
  res.writeHead(504, { 'content-type': 'application/json', 'content-length': body.length, ...TIMEOUT });
  res.end(body);
}

const config = (upstream: string) =>
  baseConfig(
    upstream,
    `${COMPILE_ROUTE.replace('    max_batch_items: 3\n', '    max_batch_items: 3\n    compile:\n      outcome_headers: trust\n      events: all\n')}refusals:
  disclose: codes
checks:
  behaviour:
    mode: enforce
    detectors:
      resource_exhaustion: { mode: enforce }
`,
  );

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = up = null;
});

async function post(i: number) {
  const res = await request(`${t!.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tikz_code: `\\draw (0,0) -- (1,${i});` }),
  });
  await res.body.text();
  return { status: res.statusCode, id: String(res.headers['x-request-id']) };
}

/** The event of one request: written in the log phase, just after the client has its answer. */
const eventOf = (id: string): Promise<SecurityEvent> =>
  vi.waitFor(
    () => {
      const ev = t!.events.find((e) => e.request_id === id);
      if (ev === undefined) throw new Error(`no event for ${id} yet`);
      return ev;
    },
    { timeout: 3000, interval: 10 },
  );

describe('behaviour through the gateway', () => {
  it('refuses a client whose compiles time out by its 4th request, and reports it', async () => {
    up = await startUpstream(timingOut);
    t = await startTestGateway(config(up.url));
    const statuses: number[] = [];
    let refused: SecurityEvent | null = null;
    for (let i = 0; i < 4; i++) {
      const r = await post(i);
      statuses.push(r.status);
      const ev = await eventOf(r.id); // the log phase (and the record's update) is done
      if (r.status === 429) refused = ev;
    }
    expect(statuses).toEqual([504, 504, 504, 429]);
    expect(refused!.reasons).toEqual(['behaviour:resource_exhaustion']);
    expect(refused!.module).toBe('behaviour');
    expect(refused!.behaviour!.anomalies[0]).toMatchObject({ detector: 'resource_exhaustion' });
    expect(refused!.behaviour!.anomalies[0]!.confidence).toBeGreaterThanOrEqual(0.85);
    const labels = { route: 'compile', detector: 'resource_exhaustion' };
    expect(await metric(t.adminUrl, 'portcullis_behaviour_anomalies_total', labels)).toBeGreaterThanOrEqual(2);
    expect(
      await metric(t.adminUrl, 'portcullis_behaviour_unscored_total', { route: 'compile', reason: 'new_client' }),
    ).toBe(1);
    // refused: counted once as history, not as another time-out (the weight does not grow while refused)
    for (let i = 0; i < 5; i++) expect((await post(10 + i)).status).toBe(429);
  });
});

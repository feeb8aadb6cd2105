// The trust score through a real gateway on 127.0.0.1:0: challenge (401 + WWW-Authenticate) and its event with
// the breakdown, the Portcullis-Trust header for the admin token only (never forwarded), the admin endpoint by
// request id (token required), the score metrics, and a store that is down (fail-closed Redis on a closed port):
// device and history unscored, the request still decided by the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { freePort } from '../helpers/redis.js';
import { rawRequest } from '../helpers/raw.js';

const TOKEN = 'trust-admin-token-0123456789';
const HASH = 'c0ffee'.padEnd(64, '0');

function yaml(upstream: string, extra = ''): string {
  return baseConfig(
    upstream,
    `admin:
  listen: { host: 127.0.0.1, port: 0 }
  tokens: [${TOKEN}]
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
  - name: health
    methods: [GET]
    path: /health
identity:
  api_keys:
    keys: [{ sha256: ${HASH}, user: alice, tier: authenticated }]
trust:
  mode: enforce
  allow_at: 60
  deny_below: 10
  events: all
  routes:
    compile: { allow_at: 80 }
${extra}`,
  ).replace('admin:\n  listen: { host: 127.0.0.1, port: 0 }\nlogging', 'logging');
}

const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' };

describe('trust through a real gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    gw = await startTestGateway(yaml(up.url));
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('challenges an anonymous client below the route threshold: 401, WWW-Authenticate, the event explains', async () => {
    const r = await request(`${gw.url}/compile`, {
      method: 'POST',
      headers: { ...CURL, 'content-type': 'application/json', 'x-request-id': 'ignored-from-untrusted' },
      body: JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' }),
    });
    await r.body.text();
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('ApiKey realm="portcullis"');
    expect(r.headers['portcullis-trust']).toBeUndefined();
    const id = String(r.headers['x-request-id']);
    const e = gw.events.find((x) => x.request_id === id)!;
    expect(e).toMatchObject({ decision: 'challenge', module: 'trust', reasons: ['trust:challenge'] });
    expect(e.trust).toMatchObject({ score: 70, decision: 'challenge', mode: 'enforce' });
    expect(e.trust!.terms.find((t) => t.component === 'behaviour')).toMatchObject({ unscored: true, value: null });
  });

  it('allows the same client on a route with a lower threshold, and tells only the admin token why', async () => {
    const plain = await request(`${gw.url}/health`, { headers: CURL });
    await plain.body.text();
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['portcullis-trust']).toBeUndefined();
    const admin = await request(`${gw.url}/health`, {
      headers: { ...CURL, 'proxy-authorization': `Bearer ${TOKEN}` },
    });
    await admin.body.text();
    // trust's own 401 before is not held against the client (no loop of lower scores and more refusals)
    expect(admin.headers['portcullis-trust']).toMatch(/^score=70; decision=allow; mode=enforce; override=-; /);
    expect(admin.headers['portcullis-trust']).toMatch(/; history:new_client=unscored$/);
    // the admin token never reaches the upstream
    expect(up.received.at(-1)!.headers['proxy-authorization']).toBeUndefined();
    const e = gw.events.find((x) => x.request_id === String(admin.headers['x-request-id']))!;
    expect(e.decision).toBe('allow');
    expect(e.trust!.decision).toBe('allow');
  });

  it('serves the breakdown of a recent request by id, to the token only', async () => {
    const r = await request(`${gw.url}/health`, { headers: CURL });
    await r.body.text();
    const id = String(r.headers['x-request-id']);
    const url = `${gw.adminUrl}/admin/api/requests/${encodeURIComponent(id)}`;
    const anon = await request(url);
    await anon.body.text();
    expect(anon.statusCode).toBe(401);
    const ok = await request(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    const body = (await ok.body.json()) as { id: string; trust: { score: number; terms: unknown[] } };
    expect(body.id).toBe(id);
    expect(body.trust.score).toBe(70);
    expect(body.trust.terms).toHaveLength(9);
    const missing = await request(`${gw.adminUrl}/admin/api/requests/nope`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await missing.body.text();
    expect(missing.statusCode).toBe(404);
    const malformed = await request(`${gw.adminUrl}/admin/api/requests/%zz`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await malformed.body.text();
    expect(malformed.statusCode).toBe(400);
  });

  it('sees an HTTP/1.0 request for what it is', async () => {
    const r = await rawRequest(
      gw.url,
      `GET /health HTTP/1.0\r\nUser-Agent: curl/8\r\nAccept: */*\r\nProxy-Authorization: Bearer ${TOKEN}\r\n\r\n`,
    );
    expect(r.status).toBe(200);
    expect(r.headers['portcullis-trust']).toMatch(/; protocol:automation_ua=0.4\*1;/);
  });

  it('counts scores by route and decision, and unscored components', async () => {
    expect(await metric(gw.adminUrl, 'portcullis_trust_score_count', { route: 'compile', decision: 'challenge' })).toBe(
      1,
    );
    expect(await metric(gw.adminUrl, 'portcullis_trust_unscored_total', { component: 'behaviour' })).toBeGreaterThan(2);
  });
});

describe('trust with the store down', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    const port = await freePort();
    gw = await startTestGateway(
      yaml(
        up.url,
        `store:
  type: redis
  redis:
    url: redis://127.0.0.1:${port}
    timeout_ms: 100
    connect_timeout_ms: 200
    retry_ms: 100
    on_failure: fail-closed
`,
      ),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('history is unscored, and the request is decided by the rest', async () => {
    const ok = await request(`${gw.url}/health`, { headers: CURL });
    await ok.body.text();
    expect(ok.statusCode).toBe(200);
    const e = gw.events.find((x) => x.request_id === String(ok.headers['x-request-id']))!;
    const history = e.trust!.terms.find((t) => t.component === 'history')!;
    expect(history).toMatchObject({ code: 'history:store_unavailable', unscored: true });
    expect(e.trust!.score).toBe(70);
    expect(await metric(gw.adminUrl, 'portcullis_trust_unscored_total', { component: 'history' })).toBeGreaterThan(0);
  });
});

// `portcullis explain --request` against a real gateway: each request of test/vectors/explain/requests.json is
// sent to a gateway (real listener, real upstream, the shipped rules) and explained from the same config;
// the security event's decision, status, module, score and reasons must equal explain's, and an allowed
// request must be forwarded. The CLI itself is run once with the request on stdin.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import type { GatewayConfig } from '../../../src/config/schema.js';
import { sha256Hex } from '../../../src/identity/api-keys.js';
import { explainRequest, type ExplainedRequest } from '../../../src/cli/explain-request.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { ROOT } from '../../helpers/process.js';

interface Vector {
  readonly name: string;
  readonly request: Partial<ExplainedRequest> & { json?: unknown };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/explain/requests.json', import.meta.url), 'utf8'),
) as Vector[];

const PREMIUM_KEY = 'explain-test-premium-key';

const config = (upstream: string) => `server:
  listen: { host: 127.0.0.1, port: 0 }
upstream: { url: "${upstream}" }
admin:
  listen: { host: 127.0.0.1, port: 0 }
logging: { level: silent }
refusals: { disclose: codes }
rate_limits: { mode: off }
identity:
  api_keys:
    keys: [{ sha256: ${sha256Hex(PREMIUM_KEY)}, user: p, tier: premium }]
checks:
  signatures:
    rules_dir: ${JSON.stringify(`${ROOT}/rules`)}
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code]
    deny_score: 5
`;

let up: TestUpstream;
let gw: TestGateway;
let cfg: GatewayConfig;
beforeAll(async () => {
  up = await startUpstream();
  gw = await startTestGateway(config(up.url));
  cfg = await loadConfigFile(gw.file, {});
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/** The request as explain reads it, with defaults and the premium key's header for the premium tier. */
function normalise(v: Vector): ExplainedRequest {
  const r = { method: 'POST', path: '/compile', headers: {}, tier: 'anonymous', user: null, ...v.request };
  if (r.tier === 'premium') return { ...r, user: 'p', headers: { ...r.headers, 'x-api-key': PREMIUM_KEY } };
  return r as ExplainedRequest;
}

/** Sends the request as written (node:http keeps odd paths as they are). */
function send(r: ExplainedRequest): Promise<number> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let body: string | null = r.body ?? null;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  } else if (r.form !== undefined) {
    body = new URLSearchParams(r.form as Record<string, string>).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method: r.method, path: r.path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

async function nextEvent(before: number) {
  for (let i = 0; i < 100 && gw.events.length <= before; i++) await new Promise((r) => setTimeout(r, 10));
  return gw.events[before] ?? null;
}

describe('explain --request agrees with the gateway', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const r = normalise(v);
    const explained = explainRequest(cfg, r);
    const before = gw.events.length;
    const forwardedBefore = up.received.length;
    const status = await send(r);
    if (explained.decision === 'allow') {
      expect(status).toBe(200);
      expect(up.received.length).toBe(forwardedBefore + 1);
      expect(await nextEvent(before)).toBeNull();
      return;
    }
    const event = await nextEvent(before);
    expect(event, `no event for ${v.name} (status ${status})`).not.toBeNull();
    expect(status).toBe(explained.status);
    expect({
      decision: explained.decision,
      status: explained.status,
      module: explained.module,
      score: explained.score,
      reasons: explained.reasons,
      route: explained.route,
    }).toEqual({
      decision: event!.decision,
      status: event!.status,
      module: event!.module,
      score: event!.score,
      reasons: event!.reasons,
      route: event!.route,
    });
  });

  it('covers allowed and refused requests, and a refusal by the route score', () => {
    const verdicts = vectors.map((v) => explainRequest(cfg, normalise(v)));
    expect(verdicts.some((x) => x.decision === 'allow')).toBe(true);
    expect(verdicts.some((x) => x.module === 'sig')).toBe(true);
    expect(verdicts.some((x) => x.module === 'decide' && x.score > 0)).toBe(true);
  });

  it('reads the request from stdin in the built CLI and prints the event line', async () => {
    const child = spawn(process.execPath, ['dist/main.js', 'explain', '--config', gw.file], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(JSON.stringify({ json: { tikz_code: '\\immediate\\write18{id}' } }));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(3);
    const line = /^event: (.*)$/m.exec(out)?.[1];
    expect(JSON.parse(line ?? 'null')).toMatchObject({ decision: 'deny', status: 403, module: 'sig' });
    expect(out).toContain('latex.shell-escape.write18');
  });
});

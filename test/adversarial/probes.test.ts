// Runs the adversarial probes (probes/*.yaml) over raw sockets against real gateways and a recording upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startRecordingUpstream, type Recorded, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { clientsOf, loadFamilies, stepsOf, type ClientSpec, type GatewayKind, type Probe } from './probe-format.js';
import { exchange, type WireResult } from './wire.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const families = loadFamilies(new URL('./probes/', import.meta.url));

/** Close to the shipped gateway.yaml: same compile route and checks, small timeouts, no rate limits. */
function gatewayYaml(upstreamUrl: string, kind: GatewayKind): string {
  const connections = kind === 'pool1' ? 1 : kind === 'pool8' ? 8 : 16;
  const unmatched = kind === 'forward' ? '{ action: forward }' : '{ action: refuse, status: 404 }';
  return `version: 1
server:
  listen: { host: 127.0.0.1, port: 0 }
  trusted_proxies: []
  headers_timeout_ms: 5000
  body_timeout_ms: 1000
  max_header_bytes: 16384
  max_inflight: 1024
  drain_timeout_ms: 1000
upstream:
  url: ${upstreamUrl}
  connections: ${connections}
  timeout_ms: 5000
  max_response_bytes: 10485760
  health_path: /health
admin:
  listen: { host: 127.0.0.1, port: 0 }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 262144
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code, source]
    max_code_field_bytes: 102400
    max_field_chars: 10000
    max_batch_items: 100
  - name: upload
    methods: [POST, PUT]
    path: /upload
    max_body_bytes: 65536
  - name: health
    methods: [GET, HEAD]
    path: /health
unmatched: ${unmatched}
refusals:
  disclose: codes
security_headers:
  content_security_policy: "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
  x_frame_options: DENY
  x_content_type_options: nosniff
  referrer_policy: no-referrer
checks:
  headers:
    mode: enforce
    forbid: []
    require: []
  signatures:
    mode: enforce
    rules_dir: ${JSON.stringify(join(ROOT, 'rules'))}
    rule_files: ['*.yaml']
    paranoia: 1
    anomaly_threshold: 40
    routes:
      compile: { anomaly_threshold: 40 }
store:
  type: memory
logging:
  level: silent
`;
}

const VALID = '{"tikz_code":"\\\\draw (0,0)--(1,1);"}';
const ALIVE = Buffer.from(
  `POST /compile HTTP/1.1\r\nHost: alive\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${VALID.length}\r\n\r\n${VALID}`,
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until neither the gateway nor the upstream has a request in flight. */
async function idle(t: TestGateway, up: RecordingUpstream, maxMs = 2000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end && (t.gw.inflight !== 0 || up.pending !== 0)) await sleep(20);
  await sleep(20); // the log phase and events run on the response's 'close'
}

const statusOk = (want: number | number[], got: number) => (Array.isArray(want) ? want.includes(got) : want === got);
const seqOk = (want: readonly (number | number[])[], got: readonly number[]) =>
  want.length === got.length && want.every((w, i) => statusOk(w, got[i]!));

function describeResult(r: WireResult): string {
  const statuses = r.responses.map((x) => x.status).join(', ');
  const end = r.reset ? 'reset' : r.closedByServer ? 'closed by the gateway' : 'still open';
  const rest = r.rest === '' ? '' : `, then ${JSON.stringify(r.rest.slice(0, 120))}`;
  return `[${statuses}] (${end}${rest})`;
}

interface ClientRun {
  readonly spec: ClientSpec;
  readonly result: WireResult;
}

async function runClient(url: string, c: ClientSpec): Promise<ClientRun> {
  await sleep(c.start_ms);
  const e = c.expect;
  const count = typeof e === 'object' ? (e.responses?.length ?? undefined) : e === 'closed' ? 0 : undefined;
  const result = await exchange(url, {
    steps: stepsOf(c.send),
    closeAfterMs: c.close_after_ms,
    waitMs: c.wait_ms ?? 2500,
    expectResponses: count,
    expectClose: e === 'closed' || (typeof e === 'object' && e.then === 'closed'),
  });
  return { spec: c, result };
}

/** Checks one client's answers; returns the problems found (empty: as expected). */
function checkClient(run: ClientRun, t: TestGateway, sent: string): string[] {
  const { spec, result } = run;
  const e = spec.expect;
  const who = spec.name ?? 'client';
  const problems: string[] = [];
  const got = result.responses.map((r) => r.status);
  if (e === 'any') return problems;
  if (e === 'closed') {
    if (got.length !== 0 || !result.closedByServer)
      problems.push(`${who}: expected the connection closed without a response, got ${describeResult(result)}`);
    return problems;
  }
  if (e.responses !== undefined && !seqOk(e.responses, got))
    problems.push(`${who}: expected ${JSON.stringify(e.responses)}, got ${describeResult(result)}`);
  if (e.one_of !== undefined && !e.one_of.some((s) => seqOk(s, got)))
    problems.push(`${who}: expected one of ${JSON.stringify(e.one_of)}, got ${describeResult(result)}`);
  if (e.then === 'closed' && !result.closedByServer)
    problems.push(`${who}: expected the gateway to close the connection, got ${describeResult(result)}`);
  if (e.then === 'open' && result.closedByServer)
    problems.push(`${who}: expected the connection kept open, got ${describeResult(result)}`);
  // Every refusal is the gateway's JSON answer (a HEAD request's answer has no body).
  for (const r of result.responses) {
    if (r.status < 400) continue;
    if (r.body === '' && sent.includes('HEAD ')) continue;
    try {
      const j = JSON.parse(r.body) as { error?: unknown; request_id?: unknown };
      if (typeof j.error !== 'string' || typeof j.request_id !== 'string') throw new Error('shape');
    } catch {
      problems.push(`${who}: ${r.status} is not the gateway's JSON refusal: ${JSON.stringify(r.body.slice(0, 120))}`);
    }
  }
  (e.reasons ?? []).forEach((want, i) => {
    if (want === null) return;
    const r = result.responses[i];
    if (r === undefined) return; // the status check already failed
    let body: { reasons?: string[]; request_id?: string } = {};
    try {
      body = JSON.parse(r.body) as typeof body;
    } catch {
      // reported above
    }
    const has = (list: readonly string[] | undefined) =>
      (list ?? []).some((x) => (want.endsWith(':') ? x.startsWith(want) : x === want));
    if (!has(body.reasons))
      problems.push(`${who}: response ${i + 1} reasons ${JSON.stringify(body.reasons)} lack ${want}`);
    const ev = t.events.find((x) => x.request_id === body.request_id);
    if (ev === undefined) problems.push(`${who}: no security event for response ${i + 1} (${want})`);
    else if (!has(ev.reasons))
      problems.push(`${who}: security event reasons ${JSON.stringify(ev.reasons)} lack ${want}`);
  });
  return problems;
}

function checkUpstream(p: Probe, got: readonly Recorded[], up: RecordingUpstream): string[] {
  const u = p.upstream;
  const seen = () => got.map((r) => `${r.method} ${r.url}`).join('; ');
  if (u === 'none') return got.length === 0 ? [] : [`upstream: expected nothing, received ${got.length}: ${seen()}`];
  const problems: string[] = [];
  if (u.max_requests !== undefined && got.length > u.max_requests)
    problems.push(`upstream: at most ${u.max_requests} request(s), received ${got.length}: ${seen()}`);
  if (u.min_requests !== undefined && got.length < u.min_requests)
    problems.push(`upstream: at least ${u.min_requests} request(s), received ${got.length}`);
  for (const r of got) {
    // Forwarding stopped half-way must be aborted, not left holding an upstream connection.
    if (!r.complete && !r.aborted) problems.push(`upstream: ${r.method} ${r.url} was left half-sent, never aborted`);
    const text = up.text(r);
    for (const s of u.must_not_contain ?? [])
      if (text.includes(s)) problems.push(`upstream: received ${JSON.stringify(s)} in ${r.method} ${r.url}`);
    if (u.urls !== undefined && !u.urls.includes(r.url)) problems.push(`upstream: unexpected target ${r.url}`);
  }
  return problems;
}

describe('adversarial probes', () => {
  let up: RecordingUpstream;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => void crashes.push(err);

  beforeAll(async () => {
    up = await startRecordingUpstream();
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await up?.close();
  });

  for (const fam of families) {
    describe(`${fam.family} (${fam.file})`, () => {
      // Each family gets fresh gateways, so one family's damage does not spill into the next.
      const gateways = new Map<GatewayKind, TestGateway>();
      const gateway = async (kind: GatewayKind) => {
        let t = gateways.get(kind);
        if (t === undefined) {
          t = await startTestGateway(gatewayYaml(up.url, kind));
          gateways.set(kind, t);
        }
        return t;
      };
      afterAll(async () => {
        // Bounded: a wedged upstream pool can keep close() waiting (the probe that wedged it has failed already).
        for (const t of gateways.values()) await Promise.race([t.close(), sleep(2000)]);
      });

      for (const p of fam.probes) {
        it(
          `${p.id}: ${p.proves}`,
          async () => {
            const t = await gateway(p.gateway);
            up.behaviour = { delayMs: p.upstream_behaviour.delay_ms, close: p.upstream_behaviour.close };
            await idle(t, up);
            const firstSeen = up.received.length;
            const crashesBefore = crashes.length;
            const problems: string[] = [];
            for (let round = 0; round < p.repeat; round++) {
              const runs: Promise<ClientRun>[] = [];
              for (const c of clientsOf(p)) for (let i = 0; i < c.count; i++) runs.push(runClient(t.url, c));
              const done = await Promise.all(runs);
              await idle(t, up);
              for (const run of done) {
                const sent = stepsOf(run.spec.send)
                  .map((s) => (typeof s === 'number' ? '' : s.toString('latin1')))
                  .join('');
                for (const m of checkClient(run, t, sent))
                  if (!problems.includes(m)) problems.push(`#${round + 1} ${m}`);
              }
            }
            if (p.settle_ms > 0) await sleep(p.settle_ms);
            await idle(t, up);
            problems.push(...checkUpstream(p, up.received.slice(firstSeen), up));
            if (p.gateway_alive) {
              const alive = await exchange(t.url, { steps: [ALIVE], waitMs: 2500, expectResponses: 1 });
              const s = alive.responses[0]?.status;
              if (s !== 200) problems.push(`gateway_alive: a fresh valid request got ${describeResult(alive)}`);
              await idle(t, up);
            }
            const newCrashes = crashes.slice(crashesBefore);
            if (newCrashes.length !== 0)
              problems.push(
                `uncaught exception(s): ${newCrashes.map((e) => String((e as Error)?.stack ?? e)).join('\n')}`,
              );
            expect(problems, problems.join('\n')).toEqual([]);
          },
          20_000 + p.repeat * 6_000 + p.settle_ms,
        );
      }
    });
  }
});

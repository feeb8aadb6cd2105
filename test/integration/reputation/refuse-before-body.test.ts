// Deny-listed, feed-listed and geo-denied clients are refused from their address alone: before the body
// is read, with Connection: close and no 100 Continue. Allow-listed and bypassing clients, and logging.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { TESTDATA } from '../../unit/geo/paths.js';
import { heldBody } from './held-body.js';

let up: TestUpstream;
let t: TestGateway;
let dir: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-rep-int-'));
  writeFileSync(join(dir, 'drop.txt'), '; test DROP list\n192.0.2.0/24 ; SBL1\n81.2.69.142/32 ; SBL2\n');
  up = await startUpstream();
  const yaml = baseConfig(
    up.url,
    `${COMPILE_ROUTE}
reputation:
  deny: [203.0.113.0/24]
  allow: [81.2.69.0/24]
  bypass: [198.51.100.20]
  feeds:
    - { name: drop, file: ${join(dir, 'drop.txt')}, format: spamhaus }
geo:
  database: ${TESTDATA}/GeoIP2-Country-Test.mmdb
  deny_countries: [GB]
checks:
  headers:
    forbid: [x-evil]
refusals:
  disclose: codes
`,
    '  trusted_proxies: [127.0.0.1/32]\n  body_timeout_ms: 30000',
  );
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  t = await startTestGateway(yaml, { logger: createLogger('info', sink) });
});

afterAll(async () => {
  await t.close();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

const BODY = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';

async function post(client: string, headers: Record<string, string> = {}) {
  const res = await request(`${t.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client, ...headers },
    body: BODY,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text };
}

describe('refused before the body is read', () => {
  const cases = [
    ['deny list', '203.0.113.7', 'rep:deny', 'rep'],
    ['threat feed (Spamhaus DROP format)', '192.0.2.77', 'rep:feed:drop', 'rep'],
    ['geo deny (GeoIP2 Country: GB)', '2.125.160.216', 'geo:deny:GB', 'geo'],
  ] as const;

  for (const [what, client, reason, module] of cases) {
    it(`${what}: 403 ${reason}, Connection: close, body never awaited`, async () => {
      const forwarded = up.received.length;
      const r = await heldBody(t.url, { 'X-Forwarded-For': client });
      expect(r.closedByServer).toBe(true);
      expect(r.status).toBe(403);
      expect(r.headers.connection).toBe('close');
      expect(JSON.parse(r.body)).toMatchObject({ error: 'forbidden', reasons: [reason] });
      expect(up.received.length).toBe(forwarded);
      const ev = t.events.find((e) => e.request_id === r.headers['x-request-id']);
      expect(ev).toMatchObject({ client_ip: client, module, decision: 'deny', status: 403, reasons: [reason] });
    });

    it(`${what}: never sends 100 Continue`, async () => {
      const r = await heldBody(t.url, { 'X-Forwarded-For': client, Expect: '100-continue' });
      expect(r.sawContinue).toBe(false);
      expect(r.closedByServer).toBe(true);
      expect(r.status).toBe(403);
      expect(r.headers.connection).toBe('close');
    });
  }

  it('a client on no list gets 100 Continue and waits for its body (the gateway did not refuse early)', async () => {
    const r = await heldBody(t.url, { 'X-Forwarded-For': '8.8.8.8', Expect: '100-continue' }, 500);
    expect(r.sawContinue).toBe(true);
    expect(r.closedByServer).toBe(false);
  });
});

describe('allow and bypass lists', () => {
  it('an allow-listed client skips the feed and the geo deny, and is forwarded', async () => {
    // 81.2.69.142 is GB (geo-denied) and on the DROP feed, but allow-listed
    expect(await post('81.2.69.142')).toMatchObject({ status: 200 });
    expect(up.received.at(-1)?.headers['x-forwarded-for']).toContain('81.2.69.142');
  });

  it('an allow-listed client is still checked by the other checks', async () => {
    const r = await post('81.2.69.142', { 'x-evil': '1' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).reasons).toEqual(['headers:forbidden:x-evil']);
  });

  it('a bypassing client skips every check', async () => {
    expect((await post('198.51.100.20', { 'x-evil': '1' })).status).toBe(200);
    expect((await post('198.51.100.21', { 'x-evil': '1' })).status).toBe(403);
  });

  it('allow-listed and bypassing requests are logged', async () => {
    await post('198.51.100.20');
    await post('81.2.69.142');
    expect(logLines).toContainEqual(
      expect.objectContaining({
        client_ip: '198.51.100.20',
        listed: 'bypass',
        msg: 'request bypassed every check',
        status: 200,
      }),
    );
    expect(logLines).toContainEqual(
      expect.objectContaining({
        client_ip: '81.2.69.142',
        listed: 'allow',
        msg: 'allow-listed request',
        route: 'compile',
      }),
    );
  });
});

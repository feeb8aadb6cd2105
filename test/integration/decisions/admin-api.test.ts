// Decisions admin API over HTTP: add, list with filters, lift, validation, bearer token; blocks enforced
// (ip, prefix, user) before the body is read; every change in the audit log with its actor.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { heldBody } from '../reputation/held-body.js';

const TOKEN = 'test-admin-token-0123456789';
const TOKEN_ID = createHash('sha256').update(TOKEN).digest('hex').slice(0, 12);
let up: TestUpstream;
let t: TestGateway;
let dir: string;
let auditFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-dec-'));
  auditFile = join(dir, 'audit', 'admin.log');
  up = await startUpstream();
  const keyHash = createHash('sha256').update('k-mallory').digest('hex');
  t = await startTestGateway(
    baseConfig(
      up.url,
      `${COMPILE_ROUTE}
identity:
  api_keys:
    keys: [{ sha256: "${keyHash}", user: mallory }]
decisions:
  audit_log: ${auditFile}
refusals:
  disclose: codes
`,
      '  trusted_proxies: [127.0.0.1/32]',
    ).replace('admin:\n', `admin:\n  tokens: [${TOKEN}]\n`),
  );
});

afterAll(async () => {
  await t.close();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, query = '', body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${t.adminUrl}/admin/api/decisions${query}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

async function get(
  client: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; reasons?: string[] }> {
  const res = await request(`${t.url}/health`, { headers: { 'x-forwarded-for': client, ...headers } });
  const text = await res.body.text();
  return res.statusCode === 200 ? { status: 200 } : { status: res.statusCode, reasons: JSON.parse(text).reasons };
}

const audit = () =>
  readFileSync(auditFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('decisions admin API', () => {
  it('needs the bearer token', async () => {
    const res = await request(`${t.adminUrl}/admin/api/decisions`);
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });

  it('adds an ip block, enforced before the body is read, listed with its actor', async () => {
    expect(await get('203.0.113.50')).toEqual({ status: 200 });
    const add = await api('POST', '', { value: '203.0.113.50', reason: 'scraping', duration_s: 600, actor: 'alice' });
    expect(add.status).toBe(201);
    expect(add.body.decision).toMatchObject({
      scope: 'ip',
      value: '203.0.113.50',
      origin: 'manual',
      actor: 'alice',
      reason: 'scraping',
      expires_in_s: 600,
    });
    expect(await get('203.0.113.50')).toEqual({ status: 403, reasons: ['block:manual'] });
    const held = await heldBody(t.url, { 'X-Forwarded-For': '203.0.113.50' });
    expect(held).toMatchObject({ status: 403, closedByServer: true, headers: { connection: 'close' } });
    expect(await get('203.0.113.51')).toEqual({ status: 200 });

    const listed = await api('GET', '?scope=ip&actor=alice');
    expect(listed.body).toMatchObject({ count: 1, decisions: [{ value: '203.0.113.50', actor: 'alice' }] });
    expect((await api('GET', '?origin=rule')).body).toMatchObject({ count: 0 });
  });

  it('blocks a prefix (IPv6) and a user', async () => {
    expect((await api('POST', '', { scope: 'prefix', value: '2001:db8:0:0::/32', duration_s: 60 })).status).toBe(201);
    expect(await get('2001:db8::5')).toEqual({ status: 403, reasons: ['block:manual'] });
    expect(await get('2001:db9::5')).toEqual({ status: 200 });
    expect((await api('POST', '', { scope: 'user', value: 'mallory', origin: 'incident' })).status).toBe(201);
    expect(await get('192.0.2.1', { 'x-api-key': 'k-mallory' })).toEqual({ status: 403, reasons: ['block:incident'] });
    expect(await get('192.0.2.1')).toEqual({ status: 200 });
    const all = await api('GET', '?value=2001:db8');
    expect(all.body).toMatchObject({
      count: 1,
      decisions: [{ scope: 'prefix', value: '2001:db8::/32', actor: 'admin' }],
    });
  });

  it('lifts a block (X-Actor recorded); lifting again is 404', async () => {
    const lifted = await api('DELETE', '?scope=ip&value=203.0.113.50', undefined, { 'x-actor': 'bob' });
    expect(lifted).toMatchObject({ status: 200, body: { lifted: { value: '203.0.113.50' } } });
    expect(await get('203.0.113.50')).toEqual({ status: 200 });
    expect((await api('DELETE', '?scope=ip&value=203.0.113.50')).status).toBe(404);
  });

  it('refuses malformed requests with a reason', async () => {
    expect(await api('POST', '', { value: 'not-an-ip' })).toMatchObject({ status: 400, body: { detail: /not an IP/ } });
    expect(await api('POST', '', { scope: 'country', value: 'x' })).toMatchObject({ status: 400 });
    expect(await api('POST', '', { value: '192.0.2.9', duration_s: -5 })).toMatchObject({ status: 400 });
    expect(await api('POST', '', { value: '192.0.2.9', expires: '2001-01-01T00:00:00Z' })).toMatchObject({
      status: 400,
    });
    expect(await api('POST', '', { value: '192.0.2.9', actor: 'bad actor!' })).toMatchObject({ status: 400 });
    expect(await api('POST', '', { value: '192.0.2.9', origin: 'whim' })).toMatchObject({ status: 400 });
  });

  it('wrote every change to the audit log with its actor and token id', () => {
    const lines = audit();
    expect(lines.map((l) => [l.action, l.actor, l.scope, l.value])).toEqual([
      ['add', 'alice', 'ip', '203.0.113.50'],
      ['add', 'admin', 'prefix', '2001:db8::/32'],
      ['add', 'admin', 'user', 'mallory'],
      ['lift', 'bob', 'ip', '203.0.113.50'],
    ]);
    for (const l of lines) expect(l).toMatchObject({ schema: 'portcullis.admin_audit/1', token_id: TOKEN_ID });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

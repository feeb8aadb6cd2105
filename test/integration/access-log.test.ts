// The access log (logging.access): one JSON line per request with the documented fields, no credential or
// query value in it, refusals included with their module, off by default, and reopened by path after a
// rename (what SIGHUP does for logrotate). Real gateway, real upstream, a real file.
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { sha256Hex } from '../../src/identity/api-keys.js';

const KEY = 'access-log-test-key-42';
let dir = '';
let file = '';
let up: TestUpstream;
let g: TestGateway;

async function lines(path: string, atLeast: number): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 100; i++) {
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const got = text.split('\n').filter((l) => l !== '');
    if (got.length >= atLeast) return got.map((l) => JSON.parse(l) as Record<string, unknown>);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${atLeast} lines in ${path}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-access-'));
  file = join(dir, 'logs', 'access.log');
  up = await startUpstream();
  const yaml = baseConfig(
    up.url,
    `${COMPILE_ROUTE}identity:
  api_keys:
    keys: [{ sha256: ${sha256Hex(KEY)}, user: carol, tier: premium }]
`,
  ).replace('logging:\n  level: silent', `logging:\n  level: silent\n  access: ${JSON.stringify(file)}`);
  g = await startTestGateway(yaml);
});
afterAll(async () => {
  await g?.close();
  await up?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('logging.access', () => {
  it('writes one line per request: fields, timing, identity; no key and no query value', async () => {
    const r = await request(`${g.url}/compile?token=s3cr3t-value&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, authorization: 'Bearer abc.def' },
      body: JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' }),
    });
    const body = await r.body.text();
    expect(r.statusCode).toBe(200);
    const [e] = await lines(file, 1);
    expect(e).toMatchObject({
      schema: 'portcullis.access/1',
      request_id: r.headers['x-request-id'],
      client_ip: '127.0.0.1',
      method: 'POST',
      path: '/compile',
      query_keys: ['token', 'x'],
      status: 200,
      bytes: Buffer.byteLength(body),
      route: 'compile',
      tier: 'premium',
      user: 'carol',
      decision: 'allow',
      module: '',
      score: 0,
    });
    expect(typeof e!.duration_ms).toBe('number');
    expect(e!.upstream_ms).toEqual(expect.any(Number));
    expect(new Date(String(e!.time)).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const text = await readFile(file, 'utf8');
    for (const secret of ['s3cr3t-value', KEY, 'abc.def', 'tikz']) expect(text).not.toContain(secret);
  });

  it('refusals are logged too, with the module that refused and no upstream time', async () => {
    const r = await request(`${g.url}/nope`);
    await r.body.dump();
    const all = await lines(file, 2);
    expect(all[1]).toMatchObject({
      path: '/nope',
      status: 404,
      decision: 'refuse',
      module: 'route',
      upstream_ms: null,
    });
    expect(all[1]!.bytes).toBeGreaterThan(20); // the refusal's JSON body
  });

  it('after a rename, reopenLogs (SIGHUP) writes to a new file at the path', async () => {
    await rename(file, `${file}.1`);
    g.gw.reopenLogs();
    const r = await request(`${g.url}/health`);
    await r.body.dump();
    const fresh = await lines(file, 1);
    expect(fresh[0]).toMatchObject({ path: '/health', route: 'health' });
    expect((await lines(`${file}.1`, 2)).length).toBe(2);
  });

  it('is off by default: no access hook is built', async () => {
    const plain = await startTestGateway(baseConfig(up.url, COMPILE_ROUTE));
    try {
      const names = [...plain.gw.snapshot.logChecks].map((c) => c.name);
      expect(names).not.toContain('access');
      expect(g.gw.snapshot.logChecks.map((c) => c.name)).toContain('access');
    } finally {
      await plain.close();
    }
  });
});

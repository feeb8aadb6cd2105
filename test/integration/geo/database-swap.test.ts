// A running gateway and its geo database: the corrupt test DB swapped in is refused (reported on the admin
// API, logged) while the old database keeps answering; a config naming a corrupt DB is refused at start.
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { TESTDATA } from '../../unit/geo/paths.js';

const BROKEN = `${TESTDATA}/MaxMind-DB-test-broken-search-tree-24.mmdb`;
const TOKEN = 'geo-admin-token';
let up: TestUpstream;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-geo-int-'));
  up = await startUpstream();
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (db: string) =>
  baseConfig(
    up.url,
    `${COMPILE_ROUTE}geo:\n  database: ${db}\n  deny_countries: [GB]\n  country_risk: { US: 5 }\nrefusals:\n  disclose: codes\n`,
    '  trusted_proxies: [127.0.0.1/32]',
  ).replace('admin:\n', `admin:\n  tokens: [${TOKEN}]\n`);

async function client(t: TestGateway, ip: string): Promise<{ status: number; reasons: string[] }> {
  const r = await request(`${t.url}/health`, { headers: { 'x-forwarded-for': ip } });
  const text = await r.body.text();
  return { status: r.statusCode, reasons: r.statusCode === 200 ? [] : JSON.parse(text).reasons };
}

async function geoStatus(t: TestGateway, ip = ''): Promise<Record<string, unknown>> {
  const r = await request(`${t.adminUrl}/admin/api/geo${ip ? `?ip=${ip}` : ''}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await r.body.json()) as Record<string, unknown>;
}

describe('geo database in a running gateway', () => {
  let t: TestGateway;
  let db: string;

  beforeAll(async () => {
    db = join(dir, 'country.mmdb');
    copyFileSync(`${TESTDATA}/GeoIP2-Country-Test.mmdb`, db);
    t = await startTestGateway(config(db));
  });
  afterAll(() => t.close());

  it('answers from the database', async () => {
    expect(await client(t, '2.125.160.216')).toEqual({ status: 403, reasons: ['geo:deny:GB'] });
    expect(await client(t, '216.160.83.56')).toEqual({ status: 200, reasons: [] });
    expect(await geoStatus(t, '89.160.20.112')).toMatchObject({
      answer: { internal: false, country: 'SE', registered: 'DE' },
      verdict: { kind: 'continue', reasons: [] },
      databases: [{ type: 'GeoIP2-Country', generation: 1, last_error: null }],
    });
  });

  it('refuses MaxMind-DB-test-broken-search-tree-24 swapped in, and keeps serving the old database', async () => {
    copyFileSync(BROKEN, `${db}.new`);
    renameSync(`${db}.new`, db);
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 250; i++) {
      status = await geoStatus(t);
      const [first] = status.databases as Array<{ last_error: string | null }>;
      if (first?.last_error) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toMatchObject({
      databases: [
        {
          type: 'GeoIP2-Country',
          generation: 1,
          reloads: { success: 0, failure: 1 },
          last_error: expect.stringMatching(
            /country\.mmdb refused: search tree: node 0 points back to node 0 \(a cycle\)/,
          ),
        },
      ],
    });
    expect(await client(t, '2.125.160.216')).toEqual({ status: 403, reasons: ['geo:deny:GB'] });
    expect(await client(t, '216.160.83.56')).toEqual({ status: 200, reasons: [] });
  });

  it('takes a good database swapped in after that', async () => {
    copyFileSync(`${TESTDATA}/GeoLite2-City-Test.mmdb`, `${db}.new`);
    renameSync(`${db}.new`, db);
    for (let i = 0; i < 250; i++) {
      const [first] = (await geoStatus(t)).databases as Array<{ generation: number }>;
      if (first?.generation === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await geoStatus(t)).toMatchObject({
      databases: [{ type: 'GeoLite2-City', generation: 2, last_error: null }],
    });
    expect(await client(t, '81.2.69.142')).toEqual({ status: 403, reasons: ['geo:deny:GB'] });
  });
});

describe('a corrupt database named in the config', () => {
  it('is refused at start with the reason', async () => {
    await expect(startTestGateway(config(BROKEN))).rejects.toThrow(
      /geo\.database: .*MaxMind-DB-test-broken-search-tree-24\.mmdb refused: search tree: node 0 points back to node 0/,
    );
  });

  it('is refused on reload while the old config keeps serving', async () => {
    const t = await startTestGateway(config('embedded'));
    try {
      expect(await client(t, '2.125.160.216')).toEqual({ status: 403, reasons: ['geo:deny:GB'] }); // embedded: GB too
      await t.write(config(BROKEN));
      const out = await t.gw.reload();
      expect(out.ok).toBe(false);
      expect(out.ok ? '' : String((out.error as Error).message)).toMatch(/refused: search tree/);
      expect(await client(t, '2.125.160.216')).toEqual({ status: 403, reasons: ['geo:deny:GB'] });
      expect(await client(t, '8.8.8.8')).toEqual({ status: 200, reasons: [] });
    } finally {
      await t.close();
    }
  });
});

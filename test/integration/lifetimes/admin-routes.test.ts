// Admin routes live with the snapshot: a module turned off by reload stops answering its routes, and one
// turned back on answers from the new configuration; the blocks service is the runtime's, across reloads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const TOKEN = 'lifetimes-admin-token-0123456789';

const config = (upstream: string, modules: string): string =>
  baseConfig(upstream, modules).replace('admin:\n', `admin:\n  tokens: [${TOKEN}]\n`);

const ON = `reputation:
  deny: [203.0.113.0/24]
`;
const OFF = `reputation:
  mode: off
decisions:
  mode: off
`;
const ON_AGAIN = `reputation:
  deny: [198.51.100.0/24]
`;

describe('admin routes follow the configuration in service', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(config(up.url, ON));
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  async function api(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${t.adminUrl}/admin/api/${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('answers the routes of the modules that are on', async () => {
    const rep = await api('reputation?ip=203.0.113.9');
    expect(rep.status).toBe(200);
    expect(rep.body.verdict).toMatchObject({ kind: 'deny' });
    expect((await api('decisions')).status).toBe(200);
    expect((await api('status')).status).toBe(200);
  });

  it('a module turned off by reload stops answering its routes; the runtime keeps its own', async () => {
    const blocks = t.gw.services.blocks;
    await t.write(config(up.url, OFF));
    expect((await t.gw.reload()).ok).toBe(true);
    expect((await api('reputation?ip=203.0.113.9')).status).toBe(404);
    expect((await api('decisions')).status).toBe(404);
    const status = await api('status');
    expect(status.status).toBe(200);
    const names = (status.body.checks as { name: string }[]).map((c) => c.name);
    expect(names).not.toContain('rep');
    expect(names).not.toContain('block');
    expect(t.gw.services.blocks).toBe(blocks);
  });

  it('turned on again, a module answers from the new configuration', async () => {
    await t.write(config(up.url, ON_AGAIN));
    expect((await t.gw.reload()).ok).toBe(true);
    const old = await api('reputation?ip=203.0.113.9');
    expect(old.status).toBe(200);
    expect(old.body.verdict).toMatchObject({ kind: 'continue' });
    expect((await api('reputation?ip=198.51.100.9')).body.verdict).toMatchObject({ kind: 'deny' });
    expect((await api('decisions')).status).toBe(200);
  });

  it('a snapshot route table is read-only', () => {
    expect(() => (t.gw.snapshot.admin as Map<string, unknown>).set('GET /admin/api/x', null)).toThrow(TypeError);
  });
});

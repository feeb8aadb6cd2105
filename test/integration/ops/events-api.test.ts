// GET /admin/api/events: this instance's recent security events, newest first, filtered by client, route,
// module, rule and decision, paginated, behind the admin token; the ring keeps only the configured number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const TOKEN = 'events-api-token';
const ATTACK = JSON.stringify({ tikz_code: '\\immediate\\write18{id}' });

describe('events API', () => {
  let up: TestUpstream;
  let g: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    const yaml = `${COMPILE_ROUTE}decisions:\n  auto: { critical_signature: false }\n`;
    g = await startTestGateway(
      baseConfig(up.url, yaml, '  trusted_proxies: [127.0.0.1/32]')
        .replace('admin:\n', `admin:\n  tokens: [${TOKEN}]\n`)
        .replace(/logging:\n/, 'logging:\n  recent_events: 4\n'),
    );
  });
  afterAll(async () => {
    await g.close();
    await up.close();
  });

  const send = async (path: string, client: string, body?: string) => {
    const r = await request(`${g.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      ...(body === undefined ? {} : { body }),
    });
    await r.body.dump();
    return r.statusCode;
  };
  const events = async (query = '', token = TOKEN) => {
    const r = await request(`${g.adminUrl}/admin/api/events${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: r.statusCode,
      body: (await r.body.json()) as { total: number; events: Record<string, unknown>[] },
    };
  };

  it('lists, filters and pages the recent events, newest first', async () => {
    expect(await send('/compile', '203.0.113.1', ATTACK)).toBe(403);
    expect(await send('/nowhere', '203.0.113.2')).toBe(404);
    expect(await send('/compile', '203.0.113.3', ATTACK)).toBe(403);
    const all = await events();
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.events.map((e) => e.client_ip)).toEqual(['203.0.113.3', '203.0.113.2', '203.0.113.1']);
    expect((await events('?client=203.0.113.2')).body.events.map((e) => e.route)).toEqual(['_unmatched']);
    expect((await events('?module=sig')).body.total).toBe(2);
    expect((await events('?rule=latex.shell-escape.write18')).body.total).toBe(2);
    expect((await events('?decision=refuse')).body.total).toBe(1);
    expect((await events('?severity=CRITICAL')).body.total).toBe(2);
    expect((await events('?severity=LOW')).body.total).toBe(0);
    const page = await events('?limit=1&offset=1');
    expect(page.body.total).toBe(3);
    expect(page.body.events.map((e) => e.client_ip)).toEqual(['203.0.113.2']);
    expect((await events('?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z')).body.total).toBe(0);
    expect((await events('?since=yesterday')).status).toBe(400);
    expect((await events('', 'wrong')).status).toBe(401);
  });

  it('keeps only the configured number of events', async () => {
    for (let i = 0; i < 6; i++) await send('/nowhere', `198.51.100.${i}`);
    const r = await events('?limit=100');
    expect(r.body.total).toBe(4);
    expect(r.body.events[0]!.client_ip).toBe('198.51.100.5');
  });
});

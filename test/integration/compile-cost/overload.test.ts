// Overload through a real gateway in front of a simulated compile service (capacity 5): anonymous clients
// flooding (some with heavy diagrams) while premium and authenticated users send at their normal rate. Premium
// gets its answers with a short queue wait, the service never has more than its cap in flight, and every heavy
// flooder is refused by its compile budget after at most 3 heavy compiles. Bounded: ~10 s of load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startSimCompileService, type SimCompileService } from '../../helpers/sim-compile-service.js';
import { sha256Hex } from '../../../src/identity/api-keys.js';

const LOAD_MS = 10_000;
const HEAVY_FLOODERS = 4;
const CHEAP_FLOODERS = 4;
const LOOPS_PER_FLOODER = 2;
const PREMIUM = 3;
const PREMIUM_EVERY_MS = 1_000;
const AUTHENTICATED = 3;
const AUTHENTICATED_EVERY_MS = 1_500;
/** What the reference compile service took for 50 PGF manual examples (scripts/measure-compile-times.mjs). */
const MEASURED = (
  JSON.parse(readFileSync(new URL('../../vectors/compile-times-pgf50.json', import.meta.url), 'utf8')) as {
    times: { cpu_ms: number }[];
  }
).times.map((t) => t.cpu_ms);

const premiumKey = (i: number) => `premium-key-${i}-0123456789abcdef`;
const authKey = (i: number) => `auth-key-${i}-0123456789abcdef`;

const CONFIG = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
    compile:
      outcome_headers: trust
refusals:
  disclose: codes
identity:
  api_keys:
    keys:
${[...Array(PREMIUM).keys()].map((i) => `      - { sha256: ${sha256Hex(premiumKey(i))}, user: p${i}, tier: premium }`).join('\n')}
${[...Array(AUTHENTICATED).keys()].map((i) => `      - { sha256: ${sha256Hex(authKey(i))}, user: a${i}, tier: authenticated }`).join('\n')}
rate_limits:
  tiers:
    premium: { limits: [{ name: per_minute, algorithm: gcra, rate: 6000, burst: 200 }] }
    authenticated: { limits: [{ name: per_minute, algorithm: gcra, rate: 6000, burst: 200 }] }
    anonymous: { limits: [{ name: per_minute, algorithm: gcra, rate: 6000, burst: 200 }], in_flight: ${LOOPS_PER_FLOODER} }
    suspicious: { limits: [{ name: per_minute, algorithm: gcra, rate: 60, burst: 5 }], in_flight: 1 }
checks:
  budgets:
    timeout_charge_s: 3
    tiers:
      anonymous: { per_hour_s: 4.8, per_day_s: 20 }
      authenticated: { per_hour_s: 600 }
      premium: { per_hour_s: 3600 }
  admission:
    capacity: 5
    queue: 40
    max_wait_ms: 4000
    retry_after_s: 1
    max_share: { anonymous: 0.6, suspicious: 0.2 }
`;

const ORDINARY = JSON.stringify({ tikz_code: '\\draw (0,0) -- (1,1);' });
// What the simulated service makes heavy is the marker; the diagram itself is one a static estimate lets by
// (the case budgets exist for: the cost of a compile is known only once it has run).
const HEAVY = JSON.stringify({ tikz_code: '\\draw[domain=0:6.28, samples=200] plot (\\x, {sin(\\x r)}); % heavy' });

interface Answer {
  readonly status: number;
  readonly reasons: readonly string[];
  readonly ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

describe('overload: budgets and admission in front of a compile service of capacity 5', () => {
  let sim: SimCompileService;
  let g: TestGateway;
  const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000 });

  beforeAll(async () => {
    sim = await startSimCompileService({
      capacity: 5,
      timeoutMs: 3_000,
      seed: 7,
      heavyMs: [2_600, 2_950],
      times: MEASURED,
    });
    g = await startTestGateway(baseConfig(sim.url, CONFIG, '  trusted_proxies: [127.0.0.1]'));
  });
  afterAll(async () => {
    await g?.close();
    await sim?.close();
    await agent.close();
  });

  async function send(body: string, headers: Record<string, string>): Promise<Answer> {
    const t0 = performance.now();
    const r = await request(`${g.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      dispatcher: agent,
    });
    const text = await r.body.text();
    let reasons: string[] = [];
    if (r.statusCode !== 200 && text.startsWith('{'))
      reasons = (JSON.parse(text) as { reasons?: string[] }).reasons ?? [];
    return { status: r.statusCode, reasons, ms: performance.now() - t0 };
  }

  it('keeps premium answered and fast, the service within its cap, and stops heavy flooders by budget', async () => {
    const until = performance.now() + LOAD_MS;
    const byClient = new Map<string, Answer[]>();
    const record = (who: string, a: Answer) => {
      const list = byClient.get(who) ?? [];
      list.push(a);
      byClient.set(who, list);
    };
    let peakSeen = 0;
    const watch = setInterval(() => (peakSeen = Math.max(peakSeen, sim.active)), 5);

    // Flooders: back to back, each from its own address (a /24 each), a short pause after a refusal.
    const flood = async (ip: string, body: string) => {
      while (performance.now() < until) {
        const a = await send(body, { 'x-forwarded-for': ip });
        record(ip, a);
        if (a.status !== 200) await sleep(50);
      }
    };
    // Users at their normal rate: one request every `every` ms whatever the previous one is doing.
    const steady = async (who: string, headers: Record<string, string>, every: number) => {
      const pending: Promise<void>[] = [];
      while (performance.now() < until) {
        pending.push(send(ORDINARY, headers).then((a) => record(who, a)));
        await sleep(every);
      }
      await Promise.all(pending);
    };
    const heavyIps = [...Array(HEAVY_FLOODERS).keys()].map((i) => `10.${i + 1}.0.1`);
    const cheapIps = [...Array(CHEAP_FLOODERS).keys()].map((i) => `10.${i + 101}.0.1`);
    const all: Promise<void>[] = [];
    for (const ip of heavyIps) for (let l = 0; l < LOOPS_PER_FLOODER; l++) all.push(flood(ip, HEAVY));
    for (const ip of cheapIps) for (let l = 0; l < LOOPS_PER_FLOODER; l++) all.push(flood(ip, ORDINARY));
    for (let i = 0; i < PREMIUM; i++) {
      all.push(steady(`p${i}`, { 'x-api-key': premiumKey(i), 'x-forwarded-for': `10.200.${i}.1` }, PREMIUM_EVERY_MS));
    }
    for (let i = 0; i < AUTHENTICATED; i++) {
      all.push(
        steady(`a${i}`, { 'x-api-key': authKey(i), 'x-forwarded-for': `10.201.${i}.1` }, AUTHENTICATED_EVERY_MS),
      );
    }
    await Promise.all(all);
    // A heavy flooder the flood left with budget (its requests timed out in the queue behind the others) goes
    // on, one request at a time, until its budget refuses it: every one must be refused by then.
    // (A compile is charged when its exchange closes, a moment after the client has read the answer.)
    await sleep(200);
    const refusedByBudget = (ip: string) =>
      (byClient.get(ip) ?? []).at(-1)?.reasons.includes('budget:anonymous:compile-hour') === true;
    await Promise.all(
      heavyIps.map(async (ip) => {
        for (let i = 0; i < 4 && !refusedByBudget(ip); i++) {
          record(ip, await send(HEAVY, { 'x-forwarded-for': ip }));
          await sleep(100);
        }
      }),
    );
    clearInterval(watch);

    const answers = (prefix: string) => [...byClient].filter(([k]) => k.startsWith(prefix)).flatMap(([, v]) => v);
    const premium = [...Array(PREMIUM).keys()].flatMap((i) => byClient.get(`p${i}`) ?? []);
    const authenticated = [...Array(AUTHENTICATED).keys()].flatMap((i) => byClient.get(`a${i}`) ?? []);
    const okShare = (xs: readonly Answer[]) => xs.filter((a) => a.status === 200).length / Math.max(1, xs.length);
    // The queue wait the gateway measured (the event of each compile), by tier.
    const waits = (tier: string) =>
      g.events.filter((e) => e.tier === tier && e.queue?.result === 'admitted').map((e) => e.queue!.wait_ms);

    const heavy = heavyIps.map((ip) => {
      const got = byClient.get(ip) ?? [];
      const firstBudget = got.findIndex((a) => a.reasons.includes('budget:anonymous:compile-hour'));
      return { ip, heavyCompiles: sim.byClient.get(ip)?.heavy ?? 0, firstBudget, sent: got.length };
    });
    const cheap = cheapIps.map((ip) => ({
      ip,
      compiles: sim.byClient.get(ip)?.all ?? 0,
      budgetRefused: (byClient.get(ip) ?? []).some((a) => a.reasons.includes('budget:anonymous:compile-hour')),
    }));
    const figures = {
      premium: {
        sent: premium.length,
        ok: okShare(premium),
        waitP50: percentile(waits('premium'), 50),
        waitP99: percentile(waits('premium'), 99),
        latencyP99: Math.round(
          percentile(
            premium.map((a) => a.ms),
            99,
          ),
        ),
      },
      authenticated: {
        sent: authenticated.length,
        ok: okShare(authenticated),
        waitP99: percentile(waits('authenticated'), 99),
      },
      anonymous: {
        sent: answers('10.').length,
        statuses: Object.fromEntries(
          [...new Set(answers('10.').map((a) => a.status))].map((s) => [
            s,
            answers('10.').filter((a) => a.status === s).length,
          ]),
        ),
        waitP99: percentile(waits('anonymous'), 99),
      },
      heavyCompiles: heavy.map((h) => h.heavyCompiles),
      cheapCompilesMax: Math.max(...cheap.map((c) => c.compiles)),
      cheapRefusedByBudget: cheap.filter((c) => c.budgetRefused).length,
      upstreamPeak: sim.peak,
      upstreamBusy: sim.busy,
    };
    console.log(`overload figures: ${JSON.stringify(figures)}`);

    expect(figures.premium.sent).toBeGreaterThanOrEqual(30);
    expect(figures.premium.ok).toBeGreaterThanOrEqual(0.99);
    expect(figures.premium.waitP99).toBeLessThanOrEqual(2_000);
    expect(figures.authenticated.ok).toBeGreaterThanOrEqual(0.99);
    expect(figures.authenticated.waitP99).toBeLessThanOrEqual(4_000);
    expect(sim.peak).toBeLessThanOrEqual(5);
    expect(peakSeen).toBeLessThanOrEqual(5);
    expect(sim.busy).toBe(0);
    for (const h of heavy) {
      expect(h.heavyCompiles, h.ip).toBeGreaterThanOrEqual(1);
      expect(h.heavyCompiles, h.ip).toBeLessThanOrEqual(3);
      expect(h.firstBudget, `${h.ip} refused by its budget`).toBeGreaterThanOrEqual(0);
    }
    // The flood did reach the service and was turned away by the gateway, not by the service.
    expect(figures.anonymous.statuses[429] ?? 0).toBeGreaterThan(0);
  }, 30_000);
});

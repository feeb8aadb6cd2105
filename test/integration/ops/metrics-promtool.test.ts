// Signals an operator can trust: Prometheus' own linter (`promtool check metrics`, Debian package prometheus)
// finds nothing to say about a scrape of a gateway that has served traffic, default process metrics
// included; portcullis_upstream_up follows the upstream without anyone calling /readyz (background probe);
// and the labelled counters an alert reads exist at zero before the first refusal, so rate() sees it.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const HAVE_PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

const describePromtool = ((): typeof describe | typeof describe.skip => {
  if (HAVE_PROMTOOL) return describe;
  if (process.env.CI === 'true') throw new Error('promtool not found and CI=true: install Debian package prometheus');
  console.warn('\n*** promtool not found: SKIPPING promtool check metrics (apt-get install -y prometheus) ***\n');
  return describe.skip;
})();

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = up = null;
});

const scrape = async (g: TestGateway): Promise<string> => (await fetch(`${g.adminUrl}/metrics`)).text();

/** The value of one exact series line in a scrape, or undefined when the series is absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until(ok: () => Promise<boolean>, what: string, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function send(g: TestGateway, path: string, body?: string, client = '198.51.100.5'): Promise<number> {
  const r = await request(`${g.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body,
  });
  await r.body.dump();
  return r.statusCode;
}

const CONFIG = (url: string) =>
  baseConfig(url, COMPILE_ROUTE, '  trusted_proxies: [127.0.0.1/32]').replace(
    `  url: ${url}\n`,
    `  url: ${url}\n  health_interval_ms: 100\n  health_cache_ms: 50\n`,
  );

describe('signals without anyone asking', () => {
  it('portcullis_upstream_up is 1 without a /readyz call, and follows the upstream down and up', async () => {
    up = await startUpstream();
    t = await startTestGateway(CONFIG(up.url), { probeUpstream: true });
    await until(async () => value(await scrape(t!), 'portcullis_upstream_up') === 1, 'upstream_up 1');
    expect(up.received.some((r) => r.method === 'GET' && r.url === '/health')).toBe(true);

    const port = new URL(up.url).port;
    await up.close();
    up = null;
    await until(async () => value(await scrape(t!), 'portcullis_upstream_up') === 0, 'upstream_up 0');
    // the same port answers again: the next background round sees it
    const { createServer } = await import('node:http');
    const again = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => again.listen(Number(port), '127.0.0.1', r));
    try {
      await until(async () => value(await scrape(t!), 'portcullis_upstream_up') === 1, 'upstream_up 1 again');
    } finally {
      again.closeAllConnections();
      await new Promise((r) => again.close(r));
    }
  });

  it('has the labelled series at zero before the first refusal, so rate() sees the first one', async () => {
    up = await startUpstream();
    t = await startTestGateway(CONFIG(up.url));
    const before = await scrape(t);
    for (const series of [
      'portcullis_requests_total{route="compile",decision="deny",status="403"}',
      'portcullis_requests_total{route="compile",decision="limit",status="429"}',
      'portcullis_requests_total{route="_unmatched",decision="refuse",status="400"}',
      'portcullis_refusals_total{route="compile",module="block",reason="block:rule"}',
      'portcullis_upstream_errors_total{route="compile",kind="timeout"}',
      'portcullis_security_events_total{decision="deny"}',
      'portcullis_client_errors_total{kind="header_timeout"}',
      'portcullis_check_errors_total{check="sig"}',
      'portcullis_config_reloads_total{result="failure"}',
    ]) {
      expect(value(before, series), series).toBe(0);
    }
    // a refusal moves the series that existed at zero (a first scrape at 1 would hide it from rate())
    expect(await send(t, '/compile', JSON.stringify({ tikz_code: '\\immediate\\write18{id}' }))).toBe(403);
    const after = await scrape(t);
    expect(value(after, 'portcullis_requests_total{route="compile",decision="deny",status="403"}')).toBe(1);
    expect(value(after, 'portcullis_security_events_total{decision="deny"}')).toBe(1);
  });
});

describePromtool('promtool check metrics', () => {
  it('has nothing to say about a scrape of a gateway that served traffic (default metrics included)', async () => {
    up = await startUpstream();
    t = await startTestGateway(CONFIG(up.url), { defaultMetrics: true, probeUpstream: true });
    expect(await send(t, '/compile', JSON.stringify({ tikz_code: '\\draw (0,0);' }))).toBe(200);
    expect(await send(t, '/compile', JSON.stringify({ tikz_code: '\\immediate\\write18{id}' }))).toBe(403);
    expect(await send(t, '/compile', JSON.stringify({ tikz_code: '\\usepackage{foo}' }), '198.51.100.6')).toBe(403);
    expect(await send(t, '/nowhere', undefined, '198.51.100.7')).toBe(404);
    expect(await send(t, '/health', undefined, '198.51.100.7')).toBe(200); // the attacker's address is blocked
    await fetch(`${t.adminUrl}/readyz`);
    const text = await scrape(t);
    expect(text).toContain('portcullis_nodejs_active_handles'); // the default metrics are there
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

// Files a configuration is built from reload it when they change: a rule file edit takes effect, a bad rule
// file is refused while the old rules keep serving, a feed file edit takes effect, and files the
// configuration no longer names are released after the swap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { until } from './poll.js';

const rule = (id: string, pattern: string): string => `  - id: test.${id}
    description: a word no drawing needs (${id})
    severity: CRITICAL
    pattern: '${pattern}'
    examples: { match: ['${pattern}'], pass: ['plain'] }
`;
const ruleFile = (...rules: string[]): string => `family: test-lifetimes
defaults:
  targets: [code]
rules:
${rules.join('')}`;

/** Short timeouts: the grace before unnamed resources are released is the longest a request may live. */
const SERVER = '  trusted_proxies: [127.0.0.1/32]\n  headers_timeout_ms: 100\n  body_timeout_ms: 100';

describe('watched files', () => {
  let up: TestUpstream;
  let t: TestGateway;
  let dir: string;
  let rules: string;
  let feed: string;
  const config = (withFeed: boolean): string =>
    baseConfig(
      up.url,
      `${COMPILE_ROUTE}checks:
  signatures:
    rules_dir: ${JSON.stringify(dir)}
    rule_files: [custom.yaml]
reputation:
  feeds: [${withFeed ? `{ name: test-feed, file: ${JSON.stringify(feed)}, action: deny }` : ''}]
decisions:
  mode: off # a CRITICAL match would block the client, and every later request with it
refusals:
  disclose: codes
`,
      SERVER,
    ).replace('  url: ' + up.url, `  url: ${up.url}\n  timeout_ms: 200`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-watched-'));
    rules = join(dir, 'custom.yaml');
    feed = join(dir, 'feed.txt');
    await writeFile(rules, ruleFile(rule('one', 'zzfirstword')));
    await writeFile(feed, '192.0.2.1\n');
    up = await startUpstream();
    t = await startTestGateway(config(true), { watch: true });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function compile(code: string, client = '192.0.2.200'): Promise<{ status: number; reasons: string[] }> {
    const res = await request(`${t.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ tikz_code: `\\draw (0,0) -- (1,1); % ${code}` }),
    });
    const text = await res.body.text();
    const reasons = res.statusCode === 200 ? [] : ((JSON.parse(text) as { reasons?: string[] }).reasons ?? []);
    return { status: res.statusCode, reasons };
  }
  const reloads = (result: string) => metric(t.adminUrl, 'portcullis_config_reloads_total', { result });

  it('an edit to a rule file reloads the configuration: the new rule takes effect', async () => {
    expect((await compile('zzfirstword')).status).toBe(403);
    expect(await compile('zzsecondword')).toEqual({ status: 200, reasons: [] });
    const before = await reloads('success');
    await writeFile(rules, ruleFile(rule('one', 'zzfirstword'), rule('two', 'zzsecondword')));
    await until(async () => (await reloads('success')) > before, 'a successful reload');
    const second = await compile('zzsecondword');
    expect(second.status).toBe(403);
    expect(second.reasons.join(' ')).toContain('test.two');
  });

  it('a bad rule file is refused and counted; the rules in service keep serving', async () => {
    const snap = t.gw.snapshot;
    const before = await reloads('failure');
    await writeFile(rules, ruleFile(rule('one', 'zzfirstword'), '  - id: test.broken\n    severity: NOPE\n'));
    await until(async () => (await reloads('failure')) > before, 'a refused reload');
    expect(t.gw.snapshot).toBe(snap);
    expect((await compile('zzsecondword')).status).toBe(403);
    expect((await compile('harmless')).status).toBe(200);
    // fixed again: the file is still watched
    const ok = await reloads('success');
    await writeFile(rules, ruleFile(rule('one', 'zzfirstword')));
    await until(async () => (await reloads('success')) > ok, 'the fixed file reloaded');
    expect((await compile('zzsecondword')).status).toBe(200);
  });

  it('an edit to a feed file takes effect', async () => {
    expect((await compile('harmless', '192.0.2.77')).status).toBe(200);
    await writeFile(feed, '192.0.2.1\n192.0.2.77\n');
    await until(async () => (await compile('harmless', '192.0.2.77')).status === 403, 'the edited feed in service');
    expect((await compile('harmless', '192.0.2.78')).status).toBe(200);
  });

  it('files no configuration names any more are released after the swap', async () => {
    const feedKey = [...keysOf(t)].find((k) => k.startsWith('rep:file:') && k.endsWith(feed));
    expect(feedKey).toBeDefined();
    expect(t.gw.resources.has(`watch:${rules}`)).toBe(true);
    await t.write(config(false).replace(/checks:\n {2}signatures:\n/, 'checks:\n  signatures:\n    mode: off\n'));
    expect((await t.gw.reload()).ok).toBe(true);
    await until(() => !t.gw.resources.has(feedKey!) && !t.gw.resources.has(`watch:${rules}`), 'the release');
    // the feed is gone from service: its addresses pass, and editing the file does nothing
    expect((await compile('zzfirstword', '192.0.2.77')).status).toBe(200);
  });
});

/** The keys Resources holds (read through its private map: what is open is the point of the test). */
function keysOf(t: TestGateway): Iterable<string> {
  return (t.gw.resources as unknown as { items: Map<string, unknown> }).items.keys();
}

// The shipped fail2ban filter against security events a real gateway wrote to its event file, checked with
// Debian's fail2ban-regex: enforced refusals by security modules match (IPv4 and IPv6), others do not, and
// a refusal by the positive model alone (policy, not an attack) is ignored.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway } from '../../../src/runtime.js';
import { createEventSink } from '../../../src/telemetry/events.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { writeFile } from 'node:fs/promises';
import { baseConfig, COMPILE_ROUTE } from '../../helpers/gateway.js';
import { startUpstream } from '../../helpers/upstream.js';
import { TESTDATA } from '../../unit/geo/paths.js';

const FILTER = fileURLToPath(new URL('../../../deploy/fail2ban/filter.d/portcullis.conf', import.meta.url));
const HAVE = spawnSync('fail2ban-regex', ['--version'], { stdio: 'ignore' }).status === 0;

const describeF2b = ((): typeof describe | typeof describe.skip => {
  if (HAVE) return describe;
  if (process.env.CI === 'true') {
    throw new Error('fail2ban-regex not found and CI=true: install Debian package fail2ban');
  }
  console.warn('\n*** fail2ban-regex not found: SKIPPING the fail2ban filter test (apt-get install -y fail2ban) ***\n');
  return describe.skip;
})();

describeF2b('deploy/fail2ban filter', () => {
  it('matches the enforced refusals the gateway wrote, with the right addresses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-f2b-'));
    const events = join(dir, 'events.log');
    const file = join(dir, 'gateway.yaml');
    const up = await startUpstream();
    await writeFile(
      file,
      baseConfig(
        up.url,
        `${COMPILE_ROUTE}
reputation:
  deny: [203.0.113.0/24, "2001:db8::/32"]
geo:
  database: ${TESTDATA}/GeoIP2-Country-Test.mmdb
  deny_countries: [GB]
logging:
  events: ${events}
`,
        '  trusted_proxies: [127.0.0.1/32]',
      ).replace('logging:\n  level: silent\n', ''),
    );
    const gw = await startGateway({
      configFile: file,
      env: {},
      logger: createLogger('silent'),
      events: createEventSink(events),
      watch: false,
      defaultMetrics: false,
    });
    const send = async (client: string, path = '/compile', body = '{"tikz_code":"\\\\draw (0,0);"}') => {
      const r = await request(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body,
      });
      await r.body.dump();
      return r.statusCode;
    };
    try {
      const statuses = [
        await send('203.0.113.7'),
        await send('203.0.113.7'),
        await send('203.0.113.7'),
        await send('2001:db8::7'),
        await send('2001:db8::7'),
        await send('2.125.160.216'),
        await send('198.51.100.99', '/nowhere'), // 404, module "route": not for fail2ban
        await send('198.51.100.98', '/compile', '{"a":1,"a":2}'), // 400, module "request"
        await send('198.51.100.97'), // forwarded: no event at all
        // the positive model alone (a package the allow-list does not know): policy, ignored by the filter
        await send('198.51.100.96', '/compile', '{"tikz_code":"\\\\usepackage{tikz-nosuchpackage}"}'),
      ];
      expect(statuses).toEqual([403, 403, 403, 403, 403, 403, 404, 400, 200, 403]);
    } finally {
      await gw.close(1000);
      await up.close();
    }
    const written = readFileSync(events, 'utf8').trim().split('\n');
    expect(written).toHaveLength(9);
    expect(written[8]).toContain('"reasons":["sig:policy.package-not-allowed"]');

    const r = spawnSync('fail2ban-regex', ['-v', events, FILTER], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Failregex: 6 total/);
    expect(r.stdout).toMatch(/Lines: 9 lines, 1 ignored, 6 matched, 2 missed/);
    // -v lists each match under its regex as "|      <address>  <time>"
    const hosts = [...r.stdout.matchAll(/^\|\s+(\S+)\s{2}\w{3} \w{3} /gm)].map((m) => m[1]);
    expect(hosts.sort()).toEqual(
      ['2.125.160.216', '2001:db8::7', '2001:db8::7', '203.0.113.7', '203.0.113.7', '203.0.113.7'].sort(),
    );
  });
});

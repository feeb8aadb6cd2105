// Log rotation as logrotate does it (deploy/logrotate/portcullis): a real `node dist/main.js start` writes
// security events and audit lines to files; they are renamed, SIGHUP is sent, and later lines land in new
// files at the old paths, where fail2ban (which follows the path) finds them: fail2ban-regex on the new file
// matches the refusals made after the rotation, with their addresses. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGatewayProcess, stopProcess, type Running } from '../helpers/process.js';
import { fileLines, untilExists, untilLines } from '../helpers/log-files.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const FILTER = fileURLToPath(new URL('../../deploy/fail2ban/filter.d/portcullis.conf', import.meta.url));
const HAVE = spawnSync('fail2ban-regex', ['--version'], { stdio: 'ignore' }).status === 0;

const describeF2b = ((): typeof describe | typeof describe.skip => {
  if (HAVE) return describe;
  if (process.env.CI === 'true')
    throw new Error('fail2ban-regex not found and CI=true: install Debian package fail2ban');
  console.warn('\n*** fail2ban-regex not found: SKIPPING the log rotation test (apt-get install -y fail2ban) ***\n');
  return describe.skip;
})();

describeF2b('log rotation (rename + SIGHUP) with a real process', () => {
  let dir = '';
  let up: TestUpstream;
  let proc: Running | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-rotate-'));
    up = await startUpstream();
  });
  afterAll(async () => {
    await stopProcess(proc);
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes to new files at the old paths after SIGHUP, and fail2ban-regex matches the new file', async () => {
    const events = join(dir, 'events.log');
    const audit = join(dir, 'audit.log');
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `server:
  listen: { host: 127.0.0.1, port: 0 }
  trusted_proxies: [127.0.0.1/32]
upstream:
  url: ${up.url}
admin:
  listen: { host: 127.0.0.1, port: 0 }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
reputation:
  deny: [203.0.113.0/24]
decisions:
  audit_log: ${audit}
logging:
  level: info
  events: ${events}
`,
    );
    const started = await startGatewayProcess(file);
    proc = started.proc;
    const url = started.url;
    const send = async (client: string, code = '\\draw (0,0);') => {
      const r = await request(`${url}/compile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ tikz_code: code }),
      });
      await r.body.dump();
      return r.statusCode;
    };

    expect([await send('203.0.113.7'), await send('203.0.113.7')]).toEqual([403, 403]);
    // an attack blocks its client at once: one audit line (action block)
    expect(await send('198.51.100.9', '\\immediate\\write18{id}')).toBe(403);
    expect(await untilLines(events, 3)).toHaveLength(3);
    expect(await untilLines(audit, 1)).toHaveLength(1);

    await rename(events, `${events}.1`);
    await rename(audit, `${audit}.1`);
    proc.child.kill('SIGHUP');
    // the reopen is asynchronous: the new file appears at the path once it is done
    expect(await untilExists(events), 'events.log reopened after SIGHUP').toBe(true);

    const after = [
      await send('203.0.113.8'),
      await send('203.0.113.8'),
      await send('203.0.113.9'),
      await send('198.51.100.10', '\\immediate\\write18{id}'),
    ];
    expect(after).toEqual([403, 403, 403, 403]);
    const fresh = await untilLines(events, 4);
    expect(fresh).toHaveLength(4);
    expect(await untilLines(audit, 1)).toHaveLength(1);
    expect(JSON.parse(fileLines(audit)[0]!)).toMatchObject({ action: 'block', value: '198.51.100.10' });
    // the rotated files kept what was written before the signal, and nothing after it
    expect(fileLines(`${events}.1`)).toHaveLength(3);
    expect(fileLines(`${audit}.1`)).toHaveLength(1);

    const r = spawnSync('fail2ban-regex', ['-v', events, FILTER], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Lines: 4 lines, 0 ignored, 4 matched, 0 missed/);
    const hosts = [...r.stdout.matchAll(/^\|\s+(\S+)\s{2}\w{3} \w{3} /gm)].map((m) => m[1]);
    expect(hosts.sort()).toEqual(['198.51.100.10', '203.0.113.8', '203.0.113.8', '203.0.113.9']);

    // the signal also reloaded the configuration (same file): the process is still serving
    expect(await send('192.0.2.1')).toBe(200);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});

// The CLI as users run it: `check` with every problem at once, `start` serving, SIGTERM draining in-flight
// requests then exiting 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { run } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('portcullis check', () => {
  it('accepts the shipped gateway.yaml', async () => {
    const p = run(['check', '--config', 'gateway.yaml']);
    expect(await p.exited).toBe(0);
    expect(p.stdout).toContain('gateway.yaml: ok');
  });

  it('prints every problem with file:line:col and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'server:',
        '  listen:',
        '    prot: 80',
        'upstream:',
        '  url: ${NOPE_UNSET_VAR}',
        'routes:',
        '  - name: a',
        '    path: nope',
        '',
      ].join('\n'),
    );
    const p = run(['check', '--config', file], { NOPE_UNSET_VAR: '' });
    expect(await p.exited).toBe(1);
    const lines = p.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(p.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:3:5 server\\.listen`));
    expect(p.stderr).toMatch(/:8:11 routes\[0\]\.path: paths start with \//);
    expect(p.stderr).toMatch(/:5:8 upstream\.url/);
  });

  it('reports an unreadable file clearly', async () => {
    const p = run(['check', '--config', join(dir, 'missing.yaml')]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toMatch(/missing\.yaml/);
  });
});

describe('portcullis start', () => {
  let up: TestUpstream;
  beforeAll(async () => {
    up = await startUpstream((req, res) => {
      const delay = req.url === '/slow' ? 600 : 0;
      setTimeout(() => res.end('done'), delay);
    });
  });
  afterAll(() => up.close());

  it('serves, then on SIGTERM finishes the request in flight, refuses new connections, exits 0', async () => {
    const file = join(dir, 'gw.yaml');
    await writeFile(
      file,
      `server:\n  listen: { host: 127.0.0.1, port: 0 }\n  drain_timeout_ms: 5000\nupstream:\n  url: ${up.url}\nadmin:\n  listen: { host: 127.0.0.1, port: 0 }\nunmatched: { action: forward }\nlogging: { level: info, events: stderr }\n`,
    );
    const p = run(['start', '--config', file]);
    const m = await p.waitFor(/"data":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const url = m[1]!;
    const ok = await request(`${url}/fast`);
    expect(await ok.body.text()).toBe('done');
    const slow = request(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 150));
    p.child.kill('SIGTERM');
    const res = await slow;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('done');
    expect(await p.exited).toBe(0);
    await expect(request(`${url}/fast`)).rejects.toThrow();
    expect(p.stdout).toMatch(/draining/);
  });
});

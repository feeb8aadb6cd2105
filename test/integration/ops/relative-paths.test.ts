// Relative paths in a configuration are relative to the config file's folder, not to the working directory:
// `check` and `start` run from `/` on a config in a temp folder that names its rules, lists, keys and logs
// relatively, and the gateway serves with every one of them (each is observed through a request or a file).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/identity/api-keys.js';
import { ROOT } from '../../helpers/process.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const KEY = 'relative-paths-test-key-0123456789';

let dir = '';
let upstream: TestUpstream;
const children: ChildProcess[] = [];

function cli(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), ...args], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, out: () => text, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function waitFor(read: () => string, re: RegExp, ms = 120_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = read().match(re);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  upstream = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-relative-'));
  for (const d of ['my-rules', 'lists', 'keys']) await mkdir(join(dir, d));
  await writeFile(
    join(dir, 'my-rules/local.yaml'),
    `rules:
  - id: local.marker
    description: a rule only this folder has
    severity: CRITICAL
    targets: [code]
    pattern: 'relative-paths-marker'
    examples: { match: ['relative-paths-marker'], pass: ['fine'] }
`,
  );
  await writeFile(join(dir, 'lists/deny.txt'), '192.0.2.0/24\n');
  await writeFile(join(dir, 'keys/keys.yaml'), `- { sha256: "${sha256Hex(KEY)}", user: carol, tier: premium }\n`);
  await writeFile(
    join(dir, 'gateway.yaml'),
    `upstream: { url: "${upstream.url}" }
server:
  listen: { host: 127.0.0.1, port: 0 }
  trusted_proxies: [127.0.0.1]
admin: { listen: { host: 127.0.0.1, port: 0 } }
refusals: { disclose: codes }
logging: { level: info, events: logs/events.log }
routes:
  - { name: compile, methods: [POST], path: /compile, inspect_body: true, content_types: [application/json] }
checks:
  signatures: { rules_dir: my-rules }
reputation:
  deny_files: [lists/deny.txt]
identity:
  api_keys: { file: keys/keys.yaml }
decisions:
  audit_log: logs/audit.log
`,
  );
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await upstream?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('relative paths follow the config file, not the working directory', () => {
  it('check, run from /, accepts the config', async () => {
    const r = cli(['check', '--config', join(dir, 'gateway.yaml')]);
    expect(await r.exited).toBe(0);
    expect(r.out()).toBe(`${join(dir, 'gateway.yaml')}: ok\n`);
    // check opens no file it would write
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  }, 150_000);

  it('start, run from /, serves with the rules, list, keys and log files named relatively', async () => {
    const r = cli(['start', '--config', join(dir, 'gateway.yaml')]);
    const [, url] = await waitFor(r.out, /"data":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/compile`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    // my-rules/local.yaml: the only rule that knows this marker
    const sig = await post(JSON.stringify({ tikz_code: 'relative-paths-marker' }));
    expect(sig.status).toBe(403);
    expect(JSON.stringify(await sig.json())).toContain('local.marker');

    // lists/deny.txt: a client in 192.0.2.0/24 is refused
    const rep = await post('{}', { 'x-forwarded-for': '192.0.2.9' });
    expect(rep.status).toBe(403);
    expect(JSON.stringify(await rep.json())).toContain('rep:deny');

    // keys/keys.yaml: the key is known (an unknown one is a 401)
    expect((await post('{}', { 'x-api-key': KEY })).status).toBe(200);
    expect((await post('{}', { 'x-api-key': 'not-the-key' })).status).toBe(401);

    // logs/events.log beside the config (its folder created), not /logs
    await waitFor(
      () => (existsSync(join(dir, 'logs/events.log')) ? readFileSync(join(dir, 'logs/events.log'), 'utf8') : ''),
      /local\.marker/,
    );
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(await readFile(join(dir, 'logs/events.log'), 'utf8')).toContain('rep:deny');
  }, 300_000);
});

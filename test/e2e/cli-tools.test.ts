// The built CLI's help, version and hash-key, as users run them; hash-key's output, written to an api-keys
// file, gives a request presenting that key its tier (read back from the RateLimit-Policy of the answer).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ROOT, run } from '../helpers/process.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

/** Runs dist/main.js with `input` on stdin. */
function cli(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/main.js', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('--help and --version', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`portcullis ${pkg.version}`);
    }
  }, 30_000);

  it('--help lists every command on stdout and exits 0; no command prints it on stderr and exits 2', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['start', 'check', 'test-rules', 'explain', 'hash-key']) expect(r.stdout).toContain(`  ${c} `);
    const none = run([]);
    expect(await none.exited).toBe(2);
    expect(none.stderr).toContain('usage: portcullis');
  }, 30_000);

  it('each command has its own help (<command> --help, help <command>)', async () => {
    for (const c of ['start', 'check', 'test-rules', 'explain', 'hash-key']) {
      const a = await cli([c, '--help']);
      expect(a.code, c).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^usage: portcullis ${c}`));
    }
    expect((await cli(['help', 'explain'])).stdout).toBe((await cli(['explain', '--help'])).stdout);
  }, 90_000);

  it('an unknown option names itself and shows the command help (exit 2)', async () => {
    const r = await cli(['check', '--confg', 'gateway.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'--confg'");
    expect(r.stderr).toContain('usage: portcullis check');
  });
});

describe('portcullis hash-key', () => {
  it('prints the SHA-256 of the key on stdin (one final newline dropped), as sha256sum does', async () => {
    const key = 'k3y-with.symbols_~';
    const expected = createHash('sha256').update(key).digest('hex');
    expect((await cli(['hash-key'], key)).stdout.trim()).toBe(expected);
    expect((await cli(['hash-key'], `${key}\n`)).stdout.trim()).toBe(expected);
    expect((await cli(['hash-key'], `${key}\r\n`)).stdout.trim()).toBe(expected);
  }, 60_000);

  it.each([
    ['', /no key/],
    [' padded', /space/],
    ['two\nlines\n', /line break/],
    ['x'.repeat(513), /longer than 512/],
    ['clé', /non-ASCII/],
  ])(
    'refuses a key that could never be presented: %j',
    async (key, message) => {
      const r = await cli(['hash-key'], key);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    },
    30_000,
  );

  it('refuses a tier name the configuration could not hold', async () => {
    const r = await cli(['hash-key', '--user', 'alice', '--tier', 'Premium'], 'key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tier/);
  });

  describe('end to end: hash-key output in a keys file -> the key gets its tier', () => {
    let up: TestUpstream;
    let gw: TestGateway;
    let dir = '';
    const KEY = 'e2e-premium-key-0123456789';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'portcullis-hash-key-'));
      const r = await cli(['hash-key', '--user', 'alice', '--tier', 'premium'], `${KEY}\n`);
      expect(r.code).toBe(0);
      await writeFile(join(dir, 'keys.yaml'), r.stdout);
      up = await startUpstream();
      gw = await startTestGateway(`server:
  listen: { host: 127.0.0.1, port: 0 }
upstream: { url: "${up.url}" }
admin:
  listen: { host: 127.0.0.1, port: 0 }
logging: { level: silent }
routes:
  - { name: health, methods: [GET], path: /health }
identity:
  api_keys:
    file: ${JSON.stringify(join(dir, 'keys.yaml'))}
rate_limits:
  tiers:
    anonymous:
      limits: [{ name: per_minute, algorithm: gcra, rate: 2, period_s: 60, burst: 2 }]
    authenticated:
      limits: [{ name: per_minute, algorithm: gcra, rate: 3, period_s: 60, burst: 3 }]
    premium:
      limits: [{ name: per_minute, algorithm: gcra, rate: 7, period_s: 60, burst: 7 }]
`);
    });
    afterAll(async () => {
      await gw?.close();
      await up?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('the entry printed is one YAML list item', async () => {
      const text = await readFile(join(dir, 'keys.yaml'), 'utf8');
      expect(text).toMatch(/^- \{ sha256: [0-9a-f]{64}, user: alice, tier: premium \}\n$/);
    });

    it('a request with the key is premium, without it anonymous, with another key 401', async () => {
      const get = (headers: Record<string, string>) => request(`${gw.url}/health`, { headers });
      const keyed = await get({ 'x-api-key': KEY });
      await keyed.body.dump();
      expect(keyed.statusCode).toBe(200);
      expect(keyed.headers['ratelimit-policy']).toBe('"per_minute";q=7;w=60;pc-burst=7');
      const anon = await get({});
      await anon.body.dump();
      expect(anon.headers['ratelimit-policy']).toBe('"per_minute";q=2;w=60;pc-burst=2');
      const wrong = await get({ 'x-api-key': `${KEY}x` });
      await wrong.body.dump();
      expect(wrong.statusCode).toBe(401);
    });
  });
});

// `portcullis check` and `portcullis start` give the same verdict and the same positioned messages on the same
// broken configuration (test/vectors/config/check-start), run as real processes from another working
// directory; no stack traces. And every configuration the repository ships passes `check`.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/process.js';

const VECTORS = join(ROOT, 'test/vectors/config/check-start');
const vectors = readdirSync(VECTORS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI from `/` (so nothing can lean on the working directory); kills it after `ms`. */
function cli(args: string[], ms = 120_000): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), ...args], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectedLines(name: string): (string | ReturnType<typeof expect.stringMatching>)[] {
  return readFileSync(join(VECTORS, name.replace(/\.yaml$/, '.expected')), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.replaceAll('{dir}', VECTORS))
    .map((line) => (line.endsWith('...') ? expect.stringMatching(new RegExp(`^${escape(line.slice(0, -3))}`)) : line));
}

const STACK = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at [^\s]+:\d+:\d+$/m;

describe('check and start refuse the same configurations with the same messages', () => {
  it('has vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  it.each(vectors)(
    '%s',
    async (name) => {
      const file = join(VECTORS, name);
      const [check, start] = await Promise.all([cli(['check', '--config', file]), cli(['start', '--config', file])]);
      const expected = expectedLines(name);
      for (const [command, run] of [
        ['check', check],
        ['start', start],
      ] as const) {
        expect(run.code, `${command} exit code; stderr:\n${run.stderr}`).toBe(1);
        expect(run.stderr, `${command} printed a stack trace`).not.toMatch(STACK);
        expect(run.stderr.trimEnd().split('\n'), `${command} messages`).toEqual(expected);
        // Every line is file:line:col path: message.
        for (const line of run.stderr.trimEnd().split('\n')) expect(line).toMatch(/^\/[^:]+:\d+:\d+ \S+: .+/);
      }
      expect(check.stdout).toBe('');
      expect(start.stderr).toBe(check.stderr);
    },
    300_000,
  );
});

/** Every configuration the repository ships: gateway.yaml and the YAML configs under bench/, deploy/, examples/. */
function shippedConfigs(): string[] {
  const found = [join(ROOT, 'gateway.yaml')];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      // A gateway configuration names its upstream; other YAML (fail2ban, keys files) is not one.
      else if (/\.ya?ml$/.test(e.name) && /^upstream:/m.test(readFileSync(p, 'utf8'))) found.push(p);
    }
  };
  for (const d of ['bench', 'deploy', 'examples']) walk(join(ROOT, d));
  return found;
}

describe('every shipped configuration passes check', () => {
  const configs = shippedConfigs();

  it('finds the shipped gateway.yaml and the bench configurations', () => {
    expect(configs.length).toBeGreaterThanOrEqual(5);
  });

  it('the shipped gateway.yaml copied elsewhere (as the image puts it in /etc/portcullis) passes too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-etc-'));
    try {
      const file = join(dir, 'gateway.yaml');
      copyFileSync(join(ROOT, 'gateway.yaml'), file);
      const r = await cli(['check', '--config', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it.each(configs.map((f) => [f.slice(ROOT.length)]))(
    '%s',
    async (rel) => {
      const file = join(ROOT, rel);
      const r = await cli(['check', '--config', file]);
      expect(r.stderr).toBe('');
      // "ok" first; check may add a report after it (the CRS rules it loaded)
      expect(r.stdout.split('\n')[0]).toBe(`${file}: ok`);
      expect(r.code).toBe(0);
    },
    150_000,
  );
});

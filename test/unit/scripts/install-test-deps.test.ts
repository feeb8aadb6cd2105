// scripts/install-test-deps.sh: silent when every tool is there; a missing tool is named with its Debian package,
// fails the run under CI=true and only warns otherwise. Runs the real script with a PATH of stand-ins.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/install-test-deps.sh');
const BASH = '/bin/bash';
const dirs: string[] = [];

/** A PATH holding only stand-ins for `tools`, and an `id` that says we are not root (nothing gets installed). */
function fakePath(tools: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'deps-'));
  dirs.push(dir);
  for (const t of tools) {
    writeFileSync(join(dir, t), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, t), 0o755);
  }
  writeFileSync(join(dir, 'id'), '#!/bin/sh\necho 1000\n');
  chmodSync(join(dir, 'id'), 0o755);
  symlinkSync(BASH, join(dir, 'bash'));
  return dir;
}

function run(tools: string[], ci: boolean) {
  const env: NodeJS.ProcessEnv = { PATH: fakePath(tools), HOME: tmpdir() };
  if (ci) env.CI = 'true';
  return spawnSync(BASH, [SCRIPT], { env, encoding: 'utf8' });
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('install-test-deps.sh', () => {
  // every command the script's TOOLS list names (read from the script: a new tool needs no edit here)
  const all = [...readFileSync(SCRIPT, 'utf8').matchAll(/^\s+"(\S+)\s+\S+"/gm)].map((m) => m[1]!);

  it('reads the tool list from the script', () => {
    expect(all).toEqual(expect.arrayContaining(['redis-server', 'redis-cli', 'fail2ban-regex', 'promtool']));
  });

  it('prints nothing and exits 0 when every tool is present', () => {
    const r = run(all, true);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });

  it('fails under CI=true when a tool is missing and it cannot install, naming tool and package', () => {
    const r = run(
      all.filter((t) => t !== 'redis-cli'),
      true,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing: redis-cli (Debian packages: redis-tools)');
    expect(r.stderr).toContain('apt-get install');
  });

  it('only warns (exit 0) outside CI, saying the suites will be skipped', () => {
    const r = run(
      all.filter((t) => t !== 'fail2ban-regex'),
      false,
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('missing: fail2ban-regex (Debian packages: fail2ban)');
    expect(r.stderr).toContain('SKIPPED');
  });
});

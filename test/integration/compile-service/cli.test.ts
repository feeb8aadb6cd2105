// The compile service as a command: it says where it listens (and, weakened, where its canary is), stops on
// SIGTERM leaving no directory behind, and refuses a bad option with one line and exit 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = resolve('examples/compile-service/server.mjs');

describe('compile service CLI', () => {
  it('--weakened on port 0: prints the URL and the canary, answers /healthz, SIGTERM exits 0 and cleans up', async () => {
    const child = spawn(process.execPath, [SERVER, '--port', '0', '--weakened', '--concurrency', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((done, fail) => {
        const t = setTimeout(() => fail(new Error(`no canary line in time: ${out}`)), 15_000);
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('canary')) {
            clearTimeout(t);
            done();
          }
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const canary = /canary (\S+) holds (PORTCULLIS-CANARY-[0-9a-f]+)/.exec(out);
      expect(url).toBeDefined();
      expect(canary).not.toBeNull();
      const canaryPath = canary![1]!;
      expect(existsSync(canaryPath)).toBe(true);
      const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', active: 0, concurrency: 3, weakened: true });

      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(canaryPath)).toBe(false); // the whole work directory went with it
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('an option out of range: one line on stderr, exit 1', () => {
    const r = spawnSync(process.execPath, [SERVER, '--port', '0', '--concurrency', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('compile service: concurrency must be an integer in [1, 1000], got 0');
    const unknown = spawnSync(process.execPath, [SERVER, '--nope'], { encoding: 'utf8' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
  });
});

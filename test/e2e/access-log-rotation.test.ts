// The access log under logrotate (rename + SIGHUP) with a real `node dist/main.js start`: lines written
// before the signal stay in the renamed file, lines after it go to a new file at the configured path.
// Needs `npm run build` first.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { run, type Running } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const lines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

async function until(file: string, n: number): Promise<string[]> {
  for (let i = 0; i < 250 && lines(file).length < n; i++) await new Promise((r) => setTimeout(r, 20));
  return lines(file);
}

let dir = '';
let up: TestUpstream | null = null;
let proc: Running | null = null;
afterAll(async () => {
  if (proc !== null && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  await up?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('logging.access with a real process', () => {
  it('reopens the access log at its path on SIGHUP', async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-access-rotate-'));
    up = await startUpstream();
    const access = join(dir, 'access.log');
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `server:
  listen: { host: 127.0.0.1, port: 0 }
upstream:
  url: ${up.url}
admin:
  listen: { host: 127.0.0.1, port: 0 }
routes:
  - { name: health, methods: [GET], path: /health }
logging:
  level: info
  events: ${join(dir, 'events.log')}
  access: access.log
`,
    );
    proc = run(['start', '--config', file]);
    const url = (await proc.waitFor(/"data":"(http:\/\/127\.0\.0\.1:\d+)"/, 30_000))[1]!;
    const get = async (path: string) => {
      const r = await request(`${url}${path}`);
      await r.body.dump();
      return r.statusCode;
    };
    expect([await get('/health'), await get('/missing')]).toEqual([200, 404]);
    expect(await until(access, 2)).toHaveLength(2); // `access: access.log` is relative to gateway.yaml's folder
    await rename(access, `${access}.1`);
    proc.child.kill('SIGHUP');
    for (let i = 0; i < 250 && !existsSync(access); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(access), 'access.log reopened after SIGHUP').toBe(true);
    expect([await get('/health'), await get('/health?x=1')]).toEqual([200, 200]);
    const fresh = await until(access, 2);
    expect(fresh.map((l) => JSON.parse(l) as { path: string; status: number })).toMatchObject([
      { path: '/health', status: 200 },
      { path: '/health', status: 200, query_keys: ['x'] },
    ]);
    expect(lines(`${access}.1`).map((l) => (JSON.parse(l) as { status: number }).status)).toEqual([200, 404]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});

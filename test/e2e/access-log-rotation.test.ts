// The access log under logrotate (rename + SIGHUP) with a real `node dist/main.js start`: lines written
// before the signal stay in the renamed file, lines after it go to a new file at the configured path.
// Needs `npm run build` first.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGatewayProcess, stopProcess, type Running } from '../helpers/process.js';
import { fileLines, untilExists, untilLines } from '../helpers/log-files.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let dir = '';
let up: TestUpstream | null = null;
let proc: Running | null = null;
afterAll(async () => {
  await stopProcess(proc);
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
    const started = await startGatewayProcess(file);
    proc = started.proc;
    const url = started.url;
    const get = async (path: string) => {
      const r = await request(`${url}${path}`);
      await r.body.dump();
      return r.statusCode;
    };
    expect([await get('/health'), await get('/missing')]).toEqual([200, 404]);
    expect(await untilLines(access, 2)).toHaveLength(2); // `access: access.log` is relative to gateway.yaml's folder
    await rename(access, `${access}.1`);
    proc.child.kill('SIGHUP');
    expect(await untilExists(access), 'access.log reopened after SIGHUP').toBe(true);
    expect([await get('/health'), await get('/health?x=1')]).toEqual([200, 200]);
    const fresh = await untilLines(access, 2);
    expect(fresh.map((l) => JSON.parse(l) as { path: string; status: number })).toMatchObject([
      { path: '/health', status: 200 },
      { path: '/health', status: 200, query_keys: ['x'] },
    ]);
    expect(fileLines(`${access}.1`).map((l) => (JSON.parse(l) as { status: number }).status)).toEqual([200, 404]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});

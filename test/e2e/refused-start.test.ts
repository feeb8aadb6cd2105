// A start the machine refuses (the port is taken) says so once: one line naming the key, the address and
// the cause, exit code 1, no stack trace, and nothing logged after it (the blocks service's deferred first
// read used to log a "memory store is closed" stack once the refused start had closed everything).
// Runs the built CLI (`npm run build` first).
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/process.js';

describe('a refused start', () => {
  let dir = '';
  let holder: Server;
  let port = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-refused-'));
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => holder.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  for (const key of ['server', 'admin'] as const) {
    it(`prints one clear line and exits 1 when ${key}.listen's port is taken`, async () => {
      const file = join(dir, `${key}.yaml`);
      const other = `{ host: 127.0.0.1, port: 0 }`;
      const busy = `{ host: 127.0.0.1, port: ${port} }`;
      await writeFile(
        file,
        `server:
  listen: ${key === 'server' ? busy : other}
upstream:
  url: http://127.0.0.1:9
admin:
  listen: ${key === 'admin' ? busy : other}
routes:
  - { name: health, methods: [GET], path: /health }
`,
      );
      const p = run(['start', '--config', file]);
      expect(await p.exited).toBe(1);
      // let a late log line (there must be none) reach the pipe
      await new Promise((r) => setTimeout(r, 300));
      const lines = (p.stdout + p.stderr).split('\n').filter((l) => l.trim() !== '');
      expect(lines).toEqual([
        `cannot listen on 127.0.0.1:${port} (${key}.listen): the address is already in use (another process, or another portcullis, holds the port)`,
      ]);
    });
  }
});

// Two gateway processes (real OS processes, as deployed) on one Redis enforce one quota.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startGatewayProcess, stopProcess, type Running } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';

describeRedis('two gateway processes on one Redis', () => {
  let dir = '';
  let redis: RedisServer;
  let up: TestUpstream;
  const procs: Running[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-two-'));
    redis = await startRedis();
    up = await startUpstream();
  });
  afterAll(async () => {
    for (const p of procs) await stopProcess(p);
    await up.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('spends one daily quota: what one process counted, the other refuses', async () => {
    const file = join(dir, 'gw.yaml');
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
store:
  type: redis
  # generous timeout: under a loaded CI machine a slow answer must not fail over to local limits
  redis: { url: "redis://127.0.0.1:${redis.port}", key_prefix: "two:", timeout_ms: 5000 }
rate_limits:
  tiers:
    anonymous:
      limits:
        - { name: per_day, algorithm: sliding_window, limit: 4, window_s: 86400 }
logging: { level: info, events: stderr }
`,
    );
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { proc, url } = await startGatewayProcess(file);
      procs.push(proc);
      urls.push(url);
    }
    const get = async (url: string) => {
      const r = await request(`${url}/health`);
      await r.body.dump();
      return r.statusCode;
    };
    const seen = [await get(urls[0]!), await get(urls[1]!), await get(urls[0]!), await get(urls[1]!)];
    expect(seen).toEqual([200, 200, 200, 200]);
    expect(await get(urls[0]!)).toBe(429);
    expect(await get(urls[1]!)).toBe(429);
  });
});

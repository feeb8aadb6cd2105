// SIGTERM's path (Gateway.close) ends within the drain time and a little more, even when the upstream
// pool is wedged by requests the upstream never answers, or the shared Redis is gone. Both fail on a close()
// that waits for pool.close() (the readiness probe in flight holds it for its own 5 s deadline, longer with
// a larger one) and for QUIT (queued behind a SUBSCRIBE that never reached a stopped Redis: forever).
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';
import { until } from './poll.js';

/** close(200) may take the drain time and the close floor; "a couple of seconds" is the promise. */
const BOUND_MS = 2_000;

async function timedClose(t: TestGateway, drainMs: number): Promise<number> {
  const started = performance.now();
  await t.gw.close(drainMs);
  return performance.now() - started;
}

describe('close with a wedged upstream', () => {
  let upstream: Server;
  const sockets = new Set<Socket>();
  let t: TestGateway | undefined;

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => upstream.close(r));
  });
  afterEach(async () => {
    await t?.close();
  });

  it('returns within the bound while requests wait on an upstream that never answers', async () => {
    let received = 0;
    // Accepts, reads, never answers, never closes: the pool's connection stays busy forever.
    upstream = createServer((s) => {
      sockets.add(s);
      s.on('data', (d) => (received += d.length));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    t = await startTestGateway(baseConfig(`http://127.0.0.1:${port}`, 'unmatched: { action: forward }\n'));
    const pending = request(`${t.url}/anything`).then(
      (r) => r.statusCode,
      () => 'failed',
    );
    await until(() => received > 0 && t!.gw.inflight === 1, 'the request to reach the upstream');
    // The readiness probe is a request on the same pool that no client leaving can abort.
    const probe = fetch(`${t.adminUrl}/readyz`).then(
      (r) => r.status,
      () => 'failed',
    );
    const seen = received;
    await until(() => received > seen, 'the probe to reach the upstream');
    expect(await timedClose(t, 200)).toBeLessThan(BOUND_MS);
    expect(await pending).not.toBe(200);
    expect(await probe).not.toBe(200);
  });
});

describeRedis('close with the shared Redis stopped', () => {
  let redis: RedisServer;
  let t: TestGateway | undefined;
  afterAll(async () => {
    await t?.close();
    await redis.stop(true);
  });

  it('returns within the bound though Redis went away before the gateway started', async () => {
    redis = await startRedis();
    const port = redis.port;
    await redis.stop(true);
    t = await startTestGateway(
      baseConfig(
        'http://127.0.0.1:9',
        `store:
  type: redis
  redis:
    url: redis://127.0.0.1:${port}
    timeout_ms: 200
    retry_ms: 100
    on_failure: fail-open
`,
      ),
    );
    expect(t.gw.store.kind).toMatch(/redis/);
    expect(await timedClose(t, 200)).toBeLessThan(BOUND_MS);
  });
});

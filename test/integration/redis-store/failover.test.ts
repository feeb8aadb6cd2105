// Redis killed and restarted under a store built from config: fail-open keeps answering from memory,
// fail-closed rejects; both log once per transition, count in metrics and resume sharing by themselves.
import { afterEach, expect, it } from 'vitest';
import { storeSchema } from '../../../src/store/config.js';
import { StoreError } from '../../../src/store/errors.js';
import { createStore, type BuiltStore } from '../../../src/store/factory.js';
import type { StoreScript } from '../../../src/store/store.js';
import { systemClock } from '../../../src/core/clock.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { describeRedis, startRedis, type RedisServer } from '../../helpers/redis.js';

const incr: StoreScript<number> = {
  name: 'incr',
  lua: `return redis.call('INCR', KEYS[1])`,
  local(ops, keys) {
    const v = Number(ops.get(keys[0]!) ?? '0') + 1;
    ops.set(keys[0]!, String(v));
    return v;
  },
  decode: (r) => Number(r),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    warn: (_o: object, msg: string) => void lines.push({ level: 'warn', msg }),
    info: (_o: object, msg: string) => void lines.push({ level: 'info', msg }),
  };
}

async function gauge(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.storeUp.get()).values[0]?.value ?? NaN;
}

describeRedis('store failure policy against a real redis-server', () => {
  let server: RedisServer | null = null;
  let built: BuiltStore | null = null;
  afterEach(async () => {
    await built?.store.close();
    await server?.stop(true);
    built = null;
    server = null;
  });

  const setup = async (policy: 'fail-open' | 'fail-closed') => {
    server = await startRedis();
    const log = recorder();
    const metrics = createMetrics({ defaultMetrics: false });
    const config = storeSchema.parse({
      type: 'redis',
      redis: { url: `redis://127.0.0.1:${server.port}`, on_failure: policy, timeout_ms: 200, retry_ms: 100 },
    });
    built = createStore(config, { clock: systemClock, log, telemetry: metrics });
    expect(await built.ready(5_000)).toBe(true);
    return { log, metrics, port: server.port };
  };

  it('fail-open: no call fails while Redis is gone, and sharing resumes after restart', async () => {
    const { log, metrics, port } = await setup('fail-open');
    const s = built!.store;
    expect(await s.run(incr, ['{c}:n'], [])).toBe(1);
    expect(await gauge(metrics)).toBe(1);

    await server!.stop(true);
    server = null;
    // Every call during the outage answers, from the local store.
    for (let i = 0; i < 50; i++) await s.run(incr, ['{c}:n'], []);
    await s.set('k', 'local');
    expect(await s.get('k')).toBe('local');
    expect(built!.status()).toBe('degraded');
    expect(await gauge(metrics)).toBe(0);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);

    server = await startRedis(port);
    for (let i = 0; i < 300 && built!.status() !== 'up'; i++) {
      await s.run(incr, ['{c}:probe'], []);
      await sleep(20);
    }
    expect(built!.status()).toBe('up');
    expect(await gauge(metrics)).toBe(1);
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'info']);
    // Back on Redis: the restarted (empty) server holds what is written now.
    expect(await s.run(incr, ['{c}:n'], [])).toBe(1);
    expect(server.cli('get', 'portcullis:{c}:n').trim()).toBe('1');
  });

  it('fail-closed: calls reject while Redis is gone, then recover', async () => {
    const { log, metrics, port } = await setup('fail-closed');
    const s = built!.store;
    expect(await s.run(incr, ['{c}:n'], [])).toBe(1);
    await server!.stop(true);
    server = null;
    for (let i = 0; i < 10; i++) {
      const err = await Promise.resolve(s.run(incr, ['{c}:n'], [])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).unavailable).toBe(true);
    }
    expect(built!.status()).toBe('degraded');
    expect(await gauge(metrics)).toBe(0);
    server = await startRedis(port);
    let value = 0;
    for (let i = 0; i < 300; i++) {
      value = await Promise.resolve(s.run(incr, ['{c}:n'], [])).catch(() => 0);
      if (value > 0) break;
      await sleep(20);
    }
    expect(value).toBe(1);
    expect(built!.status()).toBe('up');
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'info']);
  });

  it('a slow Redis (paused past the per-call timeout) counts a timeout, falls back, then recovers', async () => {
    const { metrics, log } = await setup('fail-open');
    const s = built!.store;
    await s.set('k', 'shared');
    server!.cli('client', 'pause', '700', 'ALL');
    expect(await s.get('k')).toBeNull(); // answered by the local store, which never saw k
    expect(built!.status()).toBe('degraded');
    const errors = (await metrics.storeErrors.get()).values;
    expect(errors).toEqual([expect.objectContaining({ labels: { kind: 'timeout' }, value: 1 })]);
    await sleep(800);
    let v: string | null = null;
    for (let i = 0; i < 100 && v !== 'shared'; i++) {
      v = await s.get('k');
      if (v !== 'shared') await sleep(20);
    }
    expect(v).toBe('shared');
    expect(built!.status()).toBe('up');
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'info']);
  });
});

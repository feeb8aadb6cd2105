// The behaviour scripts on a real Redis: the Lua and the TypeScript twin store the same text for the same events,
// the detectors work through it, and with Redis down behaviour is unscored (store_unavailable), never a refusal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { RedisStore } from '../../../src/store/redis.js';
import { BEHAVIOUR_READ, BEHAVIOUR_UPDATE, clientArgs, SOURCE_UPDATE } from '../../../src/behaviour/scripts.js';
import type { ClientEvent } from '../../../src/behaviour/state.js';
import {
  describeRedis,
  freePort,
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisServer,
} from '../../helpers/redis.js';
import { ENFORCE_ALL, Harness } from './harness.js';

const P = { rateHalfMs: 10_000, halfMs: 600_000, ttlMs: 3_600_000, alpha: 0.2, maxPackages: 16 };
const EVENTS: ClientEvent[] = [
  {
    compile: 1,
    texError: 0,
    exhaustion: 0,
    complexity: 120,
    size: 620,
    output: 3000,
    nearMisses: 0,
    rules: 0,
    refused: 0,
    packages: ['ab', 'cd'],
  },
  {
    compile: 1,
    texError: 1,
    exhaustion: 0.5,
    complexity: -1,
    size: 10_000,
    output: 100,
    nearMisses: 1,
    rules: 2,
    refused: 0,
    packages: [],
  },
  {
    compile: 0,
    texError: 0,
    exhaustion: 0,
    complexity: 400,
    size: 50,
    output: -1,
    nearMisses: 0,
    rules: 0,
    refused: 1,
    packages: ['cd', 'ef'],
  },
  {
    compile: 1,
    texError: 0,
    exhaustion: 1,
    complexity: 90,
    size: 700,
    output: 123_456,
    nearMisses: 0,
    rules: 1,
    refused: 0,
    packages: ['gh'],
  },
];

describeRedis('behaviour scripts on a real Redis', () => {
  let redis: RedisServer;
  let store: RedisStore;
  const clock = new FakeClock(1_800_000_000_000);
  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${redis.port}`,
      prefix: 'bt:',
      clock,
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
    });
    expect(await store.ready(10_000)).toBe(true);
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('stores what the TypeScript twin stores, event by event, with time passing', async () => {
    const memory = new MemoryStore({ maxKeys: 100, clock });
    for (const [i, e] of EVENTS.entries()) {
      clock.advance(i * 7_321);
      for (const s of [memory, store]) await s.run(BEHAVIOUR_UPDATE, ['bh:c:twin'], clientArgs(e, P));
      const mine = await memory.get('bh:c:twin');
      expect(await store.get('bh:c:twin')).toBe(mine);
      expect(mine!.split(',')).toHaveLength(16);
    }
    for (const [id, to] of [
      ['p1', 1],
      ['p2', 0],
      ['p1', 0],
    ] as const) {
      for (const s of [memory, store]) await s.run(SOURCE_UPDATE, ['bh:s:src'], [60_000, id, to, 64]);
      expect(await store.get('bh:s:src')).toBe(await memory.get('bh:s:src'));
    }
    expect(await store.get('bh:s:src')).toBe('1,p1.p2');
    // both records in one call
    const both = [...clientArgs(EVENTS[0]!, P), 60_000, 'p3', 1, 64];
    for (const s of [memory, store]) await s.run(BEHAVIOUR_UPDATE, ['bh:c:twin', 'bh:s:src'], both);
    expect(await store.get('bh:c:twin')).toBe(await memory.get('bh:c:twin'));
    expect(await store.get('bh:s:src')).toBe('2,p1.p2.p3');
    expect(await memory.get('bh:s:src')).toBe('2,p1.p2.p3');
    expect(await store.run(BEHAVIOUR_READ, ['bh:c:none', 'bh:s:src'], [])).toEqual(['', '2,p1.p2.p3']);
    // idle clients vanish: the record carries the TTL
    expect(Number(redis.cli('PTTL', 'bt:bh:c:twin').trim())).toBeGreaterThan(3_000_000);
  });

  it('reads a record of the wrong shape as a new client, as the TypeScript twin does', async () => {
    const memory = new MemoryStore({ maxKeys: 100, clock });
    const good = await store.get('bh:c:twin');
    const fields = good!.split(',');
    for (const bad of [
      fields.slice(0, 15).join(','), // 15 fields
      [...fields, 'x'].join(','), // 17
      [fields[0], 'nan', ...fields.slice(2)].join(','), // a field that is no number
      '',
    ]) {
      for (const s of [memory, store]) {
        await s.set('bh:c:odd', bad);
        await s.run(BEHAVIOUR_UPDATE, ['bh:c:odd'], clientArgs(EVENTS[0]!, P));
      }
      const mine = await memory.get('bh:c:odd');
      expect(await store.get('bh:c:odd'), bad).toBe(mine);
      // started afresh: one event counted
      expect(mine!.split(',')[2], bad).toBe('1');
    }
  });

  it('refuses a resource exhauster through Redis as through memory', async () => {
    const h = new Harness(ENFORCE_ALL, store);
    h.settleMs = 20;
    let refused = 0;
    for (let i = 0; i < 5 && refused === 0; i++) {
      const s = await h.send({ ip: '192.0.2.50', outcome: 'timeout', code: `slow ${i}` });
      if (s.verdict.kind !== 'continue') refused = i + 1;
    }
    expect(refused).toBe(4);
  });
});

describeRedis('behaviour with Redis down', () => {
  it('is unscored (store_unavailable) and never refuses', async () => {
    const port = await freePort();
    const down = new RedisStore({
      mode: 'standalone',
      url: `redis://127.0.0.1:${port}`,
      prefix: 'bt:',
      timeoutMs: 200,
      connectTimeoutMs: 200,
    });
    try {
      const h = new Harness(ENFORCE_ALL, down);
      h.settleMs = 20;
      for (let i = 0; i < 3; i++) {
        const s = await h.send({ ip: '192.0.2.60', outcome: 'timeout' });
        expect(s.verdict).toMatchObject({ kind: 'continue', score: 0 });
        expect(s.ctx.behaviour).toEqual({ scored: false, unscored: 'store_unavailable', anomalies: [], model: null });
      }
    } finally {
      await down.close();
    }
  }, 20_000);
});

describeRedis('behaviour on a real Redis Cluster', () => {
  let cluster: RedisCluster;
  let store: RedisStore;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    store = new RedisStore({
      mode: 'cluster',
      nodes: cluster.seeds,
      prefix: 'bc:',
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
    });
    expect(await store.ready(10_000)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('reads and writes the client and the source apart (different slots) and still recognises the source', async () => {
    const h = new Harness(ENFORCE_ALL, store);
    h.settleMs = 30;
    const slow = '\\foreach \\i in {1,...,99999999} {}';
    expect((await h.send({ ip: '203.0.113.1', code: slow, outcome: 'timeout' })).verdict.kind).toBe('continue');
    expect((await h.send({ ip: '198.18.0.1', code: slow, outcome: 'timeout' })).verdict.kind).toBe('continue');
    const third = await h.send({ ip: '198.19.0.1', code: slow });
    expect(third.verdict).toMatchObject({ status: 403, reasons: ['behaviour:shared_source'] });
  }, 20_000);
});

// Trust's store scripts give the same answers in Lua on a real redis-server as their TypeScript twins on the
// memory store: the device set (first, known, new, bounded) and the decayed history (same text written).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeClock } from '../../src/core/clock.js';
import type { Store } from '../../src/store/store.js';
import { runTwins } from './twins.js';
import { HISTORY_ADD, TRUST_READ } from '../../src/trust/scripts.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const T0 = 1_800_000_000_000;

/** The same sequence on a store: what each step returned. */
async function sequence(store: Store, clock: FakeClock): Promise<unknown[]> {
  const out: unknown[] = [];
  const read = async (fp: string, keys = ['trust:{u:a}:h', 'trust:{u:a}:d']) =>
    out.push(await store.run(TRUST_READ, keys, [fp, 2, 600_000]));
  await read('aaaa0001');
  await read('aaaa0001');
  await read('bbbb0002');
  await read('cccc0003');
  await read('aaaa0001'); // dropped when the third came (max 2)
  await store.run(HISTORY_ADD, ['trust:{u:a}:h'], [60_000, 1, 600_000]);
  clock.advance(60_000);
  await store.run(HISTORY_ADD, ['trust:{u:a}:h'], [60_000, 0.5, 600_000]);
  await read('cccc0003');
  await read('', ['trust:{ip:1.2.3.4}:h']);
  return out;
}

describeRedis('trust scripts: Lua and TypeScript agree', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives the same replies and writes the same history text', async () => {
    const { memory: mem, redis: viaLua } = await runTwins(server, 'trust-test:', T0, sequence);
    expect(viaLua).toEqual(mem);
    expect(mem.map((r) => (r as { device: number }).device)).toEqual([2, 0, 1, 1, 1, 0, -1]);
    // one at T0 decayed by one half-life, plus 0.5, written at T0+60s
    expect((mem[5] as { history: string }).history).toBe(`1.0000:${T0 + 60_000}`);
  });
});

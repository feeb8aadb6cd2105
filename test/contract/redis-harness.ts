// One contract harness for every Redis topology: a fresh key prefix per harness, a peer client on the same
// backing, real time (Redis TTLs run on the server's clock).
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../src/store/redis.js';
import type { RedisConnectionOptions } from '../../src/store/redis-client.js';
import type { HarnessFactory } from './store-contract.js';

type Connection = Omit<RedisConnectionOptions, 'timeoutMs' | 'connectTimeoutMs'>;

/** `connection` is read when the harness is made (servers are started in beforeAll). */
export function redisHarness(connection: () => Connection, readyMs: number): HarnessFactory {
  return async () => {
    // One prefix per harness: the store and its peer share it, other tests do not.
    const prefix = `pc${randomBytes(3).toString('hex')}:`;
    const make = async () => {
      const s = new RedisStore({ ...connection(), prefix, timeoutMs: 2_000, connectTimeoutMs: 2_000 });
      if (!(await s.ready(readyMs))) throw new Error(`redis (${connection().mode}) not ready`);
      return s;
    };
    const store = await make();
    return {
      store,
      peer: make,
      elapse: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
      dispose: () => store.close(),
    };
  };
}

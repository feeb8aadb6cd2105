// One store script for "count weighted events in a fixed window; fire once at a threshold" (strikes, evidence,
// probing misses): written once in Lua and once in TypeScript, so policies share it instead of copying it.
import type { Reply, ScriptOps, StoreScript } from './store.js';

/**
 * KEYS[1] the running total; ARGV: now, windowMs, threshold, weight. Adds `weight` to a total kept for a fixed
 * window from its first event; when the total reaches the threshold it is reset and 1 is returned (fired),
 * else 0. A weight at or above the threshold fires on its own.
 */
export const THRESHOLD_COUNT: StoreScript<boolean> = Object.freeze({
  name: 'threshold.count',
  lua: `
local n = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[4])
if n >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], tostring(n), 'PX', ttl)
return 0
`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    const key = keys[0]!;
    const n = Number(ops.get(key) ?? '0') + Number(args[2]);
    if (n >= Number(args[1])) {
      ops.del(key);
      return 1;
    }
    let ttl = ops.pttl(key);
    if (ttl < 1) ttl = Number(args[0]);
    ops.set(key, String(n), ttl);
    return 0;
  },
  decode: (r: Reply) => Number(r) === 1,
});

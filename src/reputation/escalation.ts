// Offence counting for automatic blocks, one atomic store script each (Lua for Redis, TypeScript for memory):
// how many offences a subject has within the memory window, repeated rate-limit refusals as one offence, and
// weighted evidence (signature refusals by confidence) adding up to one offence within a window.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';

/** KEYS[1] offence counter; ARGV: now, rememberMs. Returns the offence number (1, 2, ...). */
export const OFFENCE: StoreScript<number> = Object.freeze({
  name: 'decisions.offence',
  lua: `
local n = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
redis.call('SET', KEYS[1], tostring(n), 'PX', tonumber(ARGV[2]))
return n
`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    const n = Number(ops.get(keys[0]!) ?? '0') + 1;
    ops.set(keys[0]!, String(n), Number(args[0]));
    return n;
  },
  decode: (r: Reply) => Number(r),
});

/**
 * KEYS[1] strike counter; ARGV: now, windowMs, threshold. Counts strikes in a fixed window from the first;
 * at the threshold the counter resets and 1 is returned (one offence), else 0.
 */
export const STRIKE: StoreScript<boolean> = Object.freeze({
  name: 'decisions.strike',
  lua: `
local n = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
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
    const n = Number(ops.get(key) ?? '0') + 1;
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

/**
 * KEYS[1] evidence total; ARGV: now, windowMs, threshold, weight. Adds `weight` to a total kept for a fixed
 * window from its first piece of evidence; when the total reaches the threshold it resets and 1 is returned
 * (one offence), else 0. A weight at or above the threshold is an offence on its own.
 */
export const EVIDENCE: StoreScript<boolean> = Object.freeze({
  name: 'decisions.evidence',
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

/** The block length for offence n (1-based): the steps in order, the last one repeating. */
export function stepFor(stepsMs: readonly number[], n: number): number {
  return stepsMs[Math.min(Math.max(n, 1), stepsMs.length) - 1]!;
}

// Offence counting for automatic blocks, one atomic store script each (Lua for Redis, TypeScript for memory):
// how many offences a subject has within the memory window. Strikes (repeated rate-limit refusals) and weighted
// evidence (signature refusals by confidence) add up to one offence through the store's THRESHOLD_COUNT.
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

/** The block length for offence n (1-based): the steps in order, the last one repeating. */
export function stepFor(stepsMs: readonly number[], n: number): number {
  return stepsMs[Math.min(Math.max(n, 1), stepsMs.length) - 1]!;
}

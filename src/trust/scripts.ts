// Trust's store scripts (Lua and their TypeScript twins): one read per request (history, and the device set of
// an identified user), and the decayed add of a client's history.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';

/** What the read found: the raw history record ('' none) and the device state (-1 not asked). */
export interface TrustRead {
  readonly history: string;
  /** 0 a known device, 1 a new device for a user with devices, 2 the user's first device, -1 anonymous. */
  readonly device: number;
}

export const DEVICE_KNOWN = 0;
export const DEVICE_NEW = 1;
export const DEVICE_FIRST = 2;

/**
 * KEYS[1] history, KEYS[2] (optional) the user's devices (space-separated fingerprints, oldest first);
 * ARGV: now, fingerprint, max devices, device TTL ms. A new fingerprint is appended (the oldest dropped past
 * the max); a known one refreshes the TTL when half of it has passed (not a write per request).
 */
export const TRUST_READ: StoreScript<TrustRead> = Object.freeze({
  name: 'trust.read',
  lua: `
local h = redis.call('GET', KEYS[1]) or ''
local d = -1
if #KEYS >= 2 then
  local cur = redis.call('GET', KEYS[2])
  local fp = ARGV[2]
  local ttl = tonumber(ARGV[4])
  if not cur then
    d = 2
    redis.call('SET', KEYS[2], fp, 'PX', ttl)
  else
    local list = {}
    d = 1
    for f in string.gmatch(cur, '[^ ]+') do
      if f == fp then d = 0 end
      list[#list + 1] = f
    end
    if d == 0 then
      if redis.call('PTTL', KEYS[2]) < ttl / 2 then redis.call('SET', KEYS[2], cur, 'PX', ttl) end
    else
      list[#list + 1] = fp
      while #list > tonumber(ARGV[3]) do table.remove(list, 1) end
      redis.call('SET', KEYS[2], table.concat(list, ' '), 'PX', ttl)
    end
  end
end
return {h, d}
`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    const h = ops.get(keys[0]!) ?? '';
    if (keys.length < 2) return [h, -1];
    const key = keys[1]!;
    const fp = String(args[0]);
    const max = Number(args[1]);
    const ttl = Number(args[2]);
    const cur = ops.get(key);
    if (cur === null) {
      ops.set(key, fp, ttl);
      return [h, DEVICE_FIRST];
    }
    const list = cur.split(' ');
    if (list.includes(fp)) {
      if (ops.pttl(key) < ttl / 2) ops.set(key, cur, ttl);
      return [h, DEVICE_KNOWN];
    }
    list.push(fp);
    while (list.length > max) list.shift();
    ops.set(key, list.join(' '), ttl);
    return [h, DEVICE_NEW];
  },
  decode(r: Reply): TrustRead {
    const a = Array.isArray(r) ? r : [];
    return { history: typeof a[0] === 'string' ? a[0] : '', device: Number(a[1] ?? -1) };
  },
});

/** KEYS[1] history only (an anonymous client has no device set): TRUST_READ's answer, from a plain read. */
export const HISTORY_READ: StoreScript<TrustRead> = Object.freeze({
  name: 'trust.history_read',
  lua: `return {redis.call('GET', KEYS[1]) or '', -1}`,
  local: (ops: ScriptOps, keys: readonly string[]): Reply => [ops.get(keys[0]!) ?? '', -1],
  decode: TRUST_READ.decode,
  reads: true,
});

/**
 * KEYS[1] history ("<decayed count>:<ms>"); ARGV: now, half-life ms, amount, TTL ms. Decays what is there to
 * now, adds the amount, stores it with four decimals (Lua and TypeScript write the same text).
 */
export const HISTORY_ADD: StoreScript<number> = Object.freeze({
  name: 'trust.history_add',
  lua: `
local now = tonumber(ARGV[1])
local h = 0
local cur = redis.call('GET', KEYS[1])
if cur then
  local s = string.find(cur, ':', 1, true)
  if s then
    local age = now - tonumber(string.sub(cur, s + 1))
    if age < 0 then age = 0 end
    h = tonumber(string.sub(cur, 1, s - 1)) * math.pow(2, -age / tonumber(ARGV[2]))
  end
end
h = h + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.4f', h) .. ':' .. ARGV[1], 'PX', ARGV[4])
return 1
`,
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
    const key = keys[0]!;
    const h = decayed(ops.get(key) ?? '', now, Number(args[0])) ?? 0;
    ops.set(key, `${(h + Number(args[1])).toFixed(4)}:${now}`, Number(args[2]));
    return 1;
  },
  decode: (r: Reply) => Number(r),
});

/** The history count decayed to `now`; null when there is no record (a client with no past). */
export function decayed(record: string, now: number, halfLifeMs: number): number | null {
  const s = record.indexOf(':');
  if (s < 0) return null;
  const n = Number(record.slice(0, s));
  const t = Number(record.slice(s + 1));
  if (!Number.isFinite(n) || !Number.isFinite(t)) return null;
  const age = Math.max(0, now - t);
  return n * Math.pow(2, -age / halfLifeMs);
}

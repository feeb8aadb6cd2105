// The one store script per request: every limit of the request decided together, all-or-nothing, in one call.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';
import { gcraCharge, gcraRead, windowCharge, windowRead, type AlgoParams, type LimitRead } from './algorithms.js';

/**
 * ARGV after `now`: first the grant (HEAD_ARGS: `want`, the most requests to admit at once, and `share`, the
 * divisor that keeps one instance from taking more than 1/share of what is left), then per limit: kind
 * ('g' | 'w'), p1, p2, cost. GCRA: interval ms, burst; window: window ms, limit.
 */
export const HEAD_ARGS = 2;
export const ARGS_PER_LIMIT = 4;

export function limitArgs(p: AlgoParams, cost: number): (string | number)[] {
  return p.kind === 'gcra' ? ['g', p.intervalMs, p.burst, cost] : ['w', p.windowMs, p.limit, cost];
}

export interface ScriptResult {
  /** The `now` the decision used (the store's clock). */
  readonly now: number;
  /** Requests admitted and charged to every limit: 0 (refused), 1, or up to `want` (a lease, see lease.ts). */
  readonly granted: number;
  /** True when granted >= 1. */
  readonly allowed: boolean;
  /** Per limit, in key order: whether it had room for one request, and the two numbers of LimitCharge. */
  readonly steps: readonly { readonly allow: boolean; readonly a: number; readonly b: number }[];
}

/**
 * Lua mirror of algorithms.ts. Reads every key first, decides how many requests every limit admits
 * (granted = min(want, max(1, floor(smallest room / share))), or 0), and writes only when granted > 0: a
 * refused request spends nothing. Returns {now, granted, allow1, a1, b1, allow2, ...} as integers.
 */
const LUA = `
local now = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local share = tonumber(ARGV[3])
local n = #KEYS
local out = { now, 0 }
local st = {}
local cap = want * share
local minroom = cap
for i = 1, n do
  local base = ${HEAD_ARGS + 2} + (i - 1) * ${ARGS_PER_LIMIT}
  local kind = ARGV[base]
  local p1 = tonumber(ARGV[base + 1])
  local p2 = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local raw = redis.call('GET', KEYS[i])
  local s = { kind = kind, p1 = p1, p2 = p2, cost = cost }
  local room
  if kind == 'g' then
    local tat = now
    if raw then
      local stored = tonumber(raw)
      if stored > now then tat = stored end
    end
    s.tat = tat
    room = math.min(cap, math.max(0, math.floor((p2 * p1 - (tat - now)) / (p1 * cost))))
    while room > 0 and tat + p1 * cost * room - now > p2 * p1 do room = room - 1 end
    if room == 0 and cap >= 1 and tat + p1 * cost - now <= p2 * p1 then room = 1 end
  else
    local idx = math.floor(now / p1)
    local curr, prev = 0, 0
    if raw then
      local ri, rc, rp = string.match(raw, '^(-?%d+):(%d+):(%d+)$')
      ri = tonumber(ri)
      if ri == idx then
        curr = tonumber(rc)
        prev = tonumber(rp)
      elseif ri == idx - 1 then
        prev = tonumber(rc)
      end
    end
    s.idx, s.curr, s.prev = idx, curr, prev
    local estimate = prev * (p1 - (now - idx * p1)) / p1 + curr
    room = math.min(cap, math.max(0, math.floor((p2 - estimate) / cost)))
    while room > 0 and estimate + cost * room > p2 do room = room - 1 end
    if room == 0 and cap >= 1 and estimate + cost <= p2 then room = 1 end
  end
  s.room = room
  if room < minroom then minroom = room end
  st[i] = s
end
local g = 0
if minroom >= 1 then
  g = math.floor(minroom / share)
  if g < 1 then g = 1 end
  if g > want then g = want end
end
out[2] = g
for i = 1, n do
  local s = st[i]
  local allow = 0
  if s.room >= 1 then allow = 1 end
  local a, b = 0, 0
  if s.kind == 'g' then
    if g > 0 then
      local newtat = s.tat + s.p1 * s.cost * g
      a = math.ceil(newtat - now)
      local ttl = a
      if ttl < 1 then ttl = 1 end
      redis.call('SET', KEYS[i], string.format('%.3f', newtat), 'PX', ttl)
    else
      a = math.ceil(s.tat - now)
    end
  else
    b = s.prev
    if g > 0 then
      a = s.curr + s.cost * g
      redis.call('SET', KEYS[i], string.format('%d:%d:%d', s.idx, a, s.prev), 'PX', 2 * s.p1)
    else
      a = s.curr
    end
  end
  out[#out + 1] = allow
  out[#out + 1] = a
  out[#out + 1] = b
end
return out`;

interface Parsed {
  readonly want: number;
  readonly share: number;
  readonly limits: readonly { readonly p: AlgoParams; readonly cost: number }[];
}

/** Plans pass the same frozen args arrays on every request: parse each once. */
const parsedArgs = new WeakMap<readonly (string | number)[], Parsed>();

function parseArgs(args: readonly (string | number)[], n: number): Parsed {
  const cached = parsedArgs.get(args);
  if (cached !== undefined && cached.limits.length === n) return cached;
  const limits: { p: AlgoParams; cost: number }[] = [];
  for (let i = 0; i < n; i++) {
    const base = HEAD_ARGS + i * ARGS_PER_LIMIT;
    const p1 = Number(args[base + 1]);
    const p2 = Number(args[base + 2]);
    const p: AlgoParams =
      args[base] === 'g' ? { kind: 'gcra', intervalMs: p1, burst: p2 } : { kind: 'window', windowMs: p1, limit: p2 };
    limits.push({ p, cost: Number(args[base + 3]) });
  }
  const parsed: Parsed = { want: Number(args[0]), share: Number(args[1]), limits };
  if (Object.isFrozen(args)) parsedArgs.set(args, parsed);
  return parsed;
}

function local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
  const { want, share, limits } = parseArgs(args, keys.length);
  const cap = want * share;
  const reads: LimitRead[] = new Array(keys.length);
  let minRoom = cap;
  for (let i = 0; i < keys.length; i++) {
    const { p, cost } = limits[i]!;
    const raw = ops.get(keys[i]!);
    const r = p.kind === 'gcra' ? gcraRead(raw, now, p, cost, cap) : windowRead(raw, now, p, cost, cap);
    reads[i] = r;
    if (r.room < minRoom) minRoom = r.room;
  }
  const granted = minRoom >= 1 ? Math.min(want, Math.max(1, Math.floor(minRoom / share))) : 0;
  const out: number[] = [now, granted];
  for (let i = 0; i < keys.length; i++) {
    const { p, cost } = limits[i]!;
    const r = reads[i]!;
    const c = p.kind === 'gcra' ? gcraCharge(r, now, p, cost, granted) : windowCharge(r, p, cost, granted);
    if (c.next !== null) ops.set(keys[i]!, c.next, c.ttlMs);
    out.push(r.room >= 1 ? 1 : 0, c.a, c.b);
  }
  return out;
}

function decode(reply: Reply): ScriptResult {
  const r = reply as number[];
  const steps: { allow: boolean; a: number; b: number }[] = [];
  for (let i = 2; i + 2 < r.length; i += 3) {
    steps.push({ allow: Number(r[i]) === 1, a: Number(r[i + 1]), b: Number(r[i + 2]) });
  }
  const granted = Number(r[1]);
  return { now: Number(r[0]), granted, allowed: granted > 0, steps };
}

export const RATE_SCRIPT: StoreScript<ScriptResult> = Object.freeze({
  name: 'portcullis_rate',
  lua: LUA,
  local,
  decode,
});

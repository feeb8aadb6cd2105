// The one store script per request: every limit of the request decided together, all-or-nothing, in one call.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';
import { gcraStep, windowStep, type AlgoParams, type StepResult } from './algorithms.js';

/** ARGV per limit after `now`: kind ('g' | 'w'), p1, p2, cost. GCRA: interval ms, burst; window: window ms, limit. */
export const ARGS_PER_LIMIT = 4;

export function limitArgs(p: AlgoParams, cost: number): (string | number)[] {
  return p.kind === 'gcra' ? ['g', p.intervalMs, p.burst, cost] : ['w', p.windowMs, p.limit, cost];
}

export interface ScriptResult {
  /** The `now` the decision used (the store's clock). */
  readonly now: number;
  /** True when every limit allowed (and all were charged). */
  readonly allowed: boolean;
  /** Per limit, in key order: allow flag and the two numbers of StepResult. */
  readonly steps: readonly { readonly allow: boolean; readonly a: number; readonly b: number }[];
}

/**
 * Lua mirror of algorithms.ts. Reads every key first, decides, and writes only when all allow: a refused
 * request spends nothing. Returns {now, allowed, allow1, a1, b1, allow2, ...} as integers.
 */
const LUA = `
local now = tonumber(ARGV[1])
local n = #KEYS
local out = { now, 1 }
local writes = {}
local all = true
for i = 1, n do
  local base = 2 + (i - 1) * ${ARGS_PER_LIMIT}
  local kind = ARGV[base]
  local p1 = tonumber(ARGV[base + 1])
  local p2 = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local raw = redis.call('GET', KEYS[i])
  local allow, a, b = 0, 0, 0
  if kind == 'g' then
    local tat = now
    if raw then
      local stored = tonumber(raw)
      if stored > now then tat = stored end
    end
    local newtat = tat + p1 * cost
    if newtat - now <= p2 * p1 then
      allow = 1
      a = math.ceil(newtat - now)
      local ttl = a
      if ttl < 1 then ttl = 1 end
      writes[#writes + 1] = { KEYS[i], string.format('%.3f', newtat), ttl }
    else
      a = math.ceil(tat - now)
    end
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
    local elapsed = now - idx * p1
    local estimate = prev * (p1 - elapsed) / p1 + curr
    if estimate + cost <= p2 then
      allow = 1
      a = curr + cost
      b = prev
      writes[#writes + 1] = { KEYS[i], string.format('%d:%d:%d', idx, a, prev), 2 * p1 }
    else
      a = curr
      b = prev
    end
  end
  if allow == 0 then all = false end
  out[#out + 1] = allow
  out[#out + 1] = a
  out[#out + 1] = b
end
if all then
  for _, w in ipairs(writes) do redis.call('SET', w[1], w[2], 'PX', w[3]) end
else
  out[2] = 0
end
return out`;

interface Parsed {
  readonly p: AlgoParams;
  readonly cost: number;
}

/** Plans pass the same frozen args array on every request: parse it once. */
const parsedArgs = new WeakMap<readonly (string | number)[], readonly Parsed[]>();

function parseArgs(args: readonly (string | number)[], n: number): readonly Parsed[] {
  const cached = parsedArgs.get(args);
  if (cached !== undefined && cached.length === n) return cached;
  const list: Parsed[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * ARGS_PER_LIMIT;
    const p1 = Number(args[base + 1]);
    const p2 = Number(args[base + 2]);
    const p: AlgoParams =
      args[base] === 'g' ? { kind: 'gcra', intervalMs: p1, burst: p2 } : { kind: 'window', windowMs: p1, limit: p2 };
    list.push({ p, cost: Number(args[base + 3]) });
  }
  if (Object.isFrozen(args)) parsedArgs.set(args, list);
  return list;
}

function local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
  const out: number[] = [now, 1];
  const steps: StepResult[] = [];
  let all = true;
  const parsed = parseArgs(args, keys.length);
  for (let i = 0; i < keys.length; i++) {
    const { p, cost } = parsed[i]!;
    const raw = ops.get(keys[i]!);
    const step = p.kind === 'gcra' ? gcraStep(raw, now, p, cost) : windowStep(raw, now, p, cost);
    steps.push(step);
    if (!step.allow) all = false;
    out.push(step.allow ? 1 : 0, step.a, step.b);
  }
  if (all) {
    steps.forEach((s, i) => {
      if (s.next !== null) ops.set(keys[i]!, s.next, s.ttlMs);
    });
  } else {
    out[1] = 0;
  }
  return out;
}

function decode(reply: Reply): ScriptResult {
  const r = reply as number[];
  const steps: { allow: boolean; a: number; b: number }[] = [];
  for (let i = 2; i + 2 < r.length; i += 3) {
    steps.push({ allow: Number(r[i]) === 1, a: Number(r[i + 1]), b: Number(r[i + 2]) });
  }
  return { now: Number(r[0]), allowed: Number(r[1]) === 1, steps };
}

export const RATE_SCRIPT: StoreScript<ScriptResult> = Object.freeze({
  name: 'portcullis_rate',
  lua: LUA,
  local,
  decode,
});

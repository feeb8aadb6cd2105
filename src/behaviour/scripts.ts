// The behaviour module's store scripts, each in Lua and in TypeScript: read a client's and a source's records in
// one call; fold one finished request into a client's record (decay, counters, EWMAs); add an address to a source.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';
import { applyEvent, formatClient, parseClient, type ClientEvent, type UpdateParams } from './state.js';

/** KEYS: any number; returns each key's text, '' when missing (Lua arrays cannot hold nil). */
export const BEHAVIOUR_READ: StoreScript<string[]> = Object.freeze({
  name: 'behaviour.read',
  lua: `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('GET', KEYS[i]) or '' end
return out
`,
  local(ops: ScriptOps, keys: readonly string[]): Reply {
    return keys.map((k) => ops.get(k) ?? '');
  },
  decode: (r: Reply) => (Array.isArray(r) ? r.map((v) => (typeof v === 'string' ? v : '')) : []),
  reads: true,
});

/** ARGV after now, in order (see clientArgs). */
const UPDATE_LUA = `
local now = tonumber(ARGV[1])
local rateHalf = tonumber(ARGV[2])
local half = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local a = tonumber(ARGV[5])
local maxPk = tonumber(ARGV[6])
local ecompile = tonumber(ARGV[7])
local eerr = tonumber(ARGV[8])
local eexh = tonumber(ARGV[9])
local ecx = tonumber(ARGV[10])
local esize = tonumber(ARGV[11])
local eout = tonumber(ARGV[12])
local enear = tonumber(ARGV[13])
local erules = tonumber(ARGV[14])
local eref = tonumber(ARGV[15])
local epk = ARGV[16]
local LN2 = 0.6931471805599453
local function dec(dt, h)
  if dt > 0 then return math.exp(-dt * LN2 / h) end
  return 1
end
local raw = redis.call('GET', KEYS[1])
local s = nil
if raw then
  -- one match for the sixteen fields (a C call, not a loop of them): no match unless there are exactly 16
  local p = { string.match(raw, '^${'([^,]*),'.repeat(15)}([^,]*)$') }
  if #p == 16 then
    s = {}
    for i = 1, 15 do
      s[i] = tonumber(p[i])
      if s[i] == nil or s[i] ~= s[i] then s = nil break end
    end
    if s then s[16] = p[16] end
  end
end
local t, first, events, rate, comp, terr, exh, cxm, cxv, cxn, size, out, near, rules, refs, pk
if s then
  local dt = now - s[1]
  local d = dec(dt, half)
  first, events, cxm, cxv, cxn, size, out = s[2], s[3], s[8], s[9], s[10], s[11], s[12]
  rate = s[4] * dec(dt, rateHalf)
  comp, terr, exh = s[5] * d, s[6] * d, s[7] * d
  near, rules, refs = s[13] * d, s[14] * d, s[15] * d
  pk = s[16]
  if dt <= 0 then
    rate, comp, terr, exh, near, rules, refs = s[4], s[5], s[6], s[7], s[13], s[14], s[15]
  end
  size = size + a * (esize - size)
else
  first, events, cxm, cxv, cxn, out = now, 0, 0, 0, 0, 0
  rate, comp, terr, exh, near, rules, refs = 0, 0, 0, 0, 0, 0, 0
  size = esize
  pk = ''
end
if ecx >= 0 then
  if cxn == 0 then
    cxm = ecx
    cxv = 0
  else
    local diff = ecx - cxm
    local incr = a * diff
    cxm = cxm + incr
    cxv = (1 - a) * (cxv + diff * incr)
  end
  cxn = math.min(cxn + 1, 1000000000)
end
if eout >= 0 then
  if out == 0 then out = eout else out = out + a * (eout - out) end
end
local ids = {}
for id in string.gmatch(pk, '[^.]+') do ids[#ids + 1] = id end
for id in string.gmatch(epk, '[^.]+') do
  local seen = false
  for i = 1, #ids do if ids[i] == id then seen = true end end
  if not seen and #ids < maxPk then ids[#ids + 1] = id end
end
-- one format for the whole record: fourteen calls and a concat cost Redis a third of this script
local v = string.format('%.0f,%.0f,%.0f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.0f,%.4f,%.4f,%.4f,%.4f,%.4f,%s',
  now, first, math.min(events + 1, 1000000000), rate + 1, comp + ecompile, terr + eerr,
  exh + eexh, cxm, cxv, cxn, size, out, near + enear, rules + erules,
  refs + eref, table.concat(ids, '.'))
redis.call('SET', KEYS[1], v, 'PX', ttl)
`;

/** The ARGV (after now) of BEHAVIOUR_UPDATE for one event. */
export function clientArgs(e: ClientEvent, p: UpdateParams): (string | number)[] {
  return [
    p.rateHalfMs,
    p.halfMs,
    p.ttlMs,
    p.alpha,
    p.maxPackages,
    e.compile,
    e.texError,
    e.exhaustion,
    e.complexity,
    e.size,
    e.output,
    e.nearMisses,
    e.rules,
    e.refused,
    e.packages.join('.'),
  ];
}

/** Arguments of the client update after now; a source's follow when KEYS[2] is given. */
export const CLIENT_ARGS = 15;

/**
 * KEYS[1] a client's record: folds one finished request in (decay to now, add, EWMAs) and keeps it for ttl.
 * KEYS[2], when given, a source's record, updated as SOURCE_UPDATE does with the four arguments after the client's
 * (one call for both where the store allows it: not on a Cluster, where the two keys live in different slots).
 */
export const BEHAVIOUR_UPDATE: StoreScript<boolean> = Object.freeze({
  name: 'behaviour.update',
  lua: `${UPDATE_LUA}if #KEYS > 1 then\nlocal nids = 0\n${sourceLua(2, CLIENT_ARGS + 2)}end\nreturn 1\n`,
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
    const n = (i: number): number => Number(args[i]);
    const p = { rateHalfMs: n(0), halfMs: n(1), ttlMs: n(2), alpha: n(3), maxPackages: n(4) };
    const pk = String(args[14]);
    const e: ClientEvent = {
      compile: n(5) === 1 ? 1 : 0,
      texError: n(6) === 1 ? 1 : 0,
      exhaustion: n(7),
      complexity: n(8),
      size: n(9),
      output: n(10),
      nearMisses: n(11),
      rules: n(12),
      refused: n(13) === 1 ? 1 : 0,
      packages: pk === '' ? [] : pk.split('.'),
    };
    const key = keys[0]!;
    const next = applyEvent(parseClient(ops.get(key)), now, e, p);
    ops.set(key, formatClient(next), p.ttlMs);
    if (keys.length > 1) sourceLocal(ops, keys[1]!, args.slice(CLIENT_ARGS));
    return 1;
  },
  decode: (r: Reply) => Number(r) === 1,
});

/** A source's record: how often it timed out, and the ids of the address prefixes it came from (bounded). */
export interface SourceState {
  readonly timeouts: number;
  readonly prefixes: readonly string[];
}

export function parseSource(raw: string): SourceState | null {
  const comma = raw.indexOf(',');
  if (comma < 1) return null;
  const head = raw.slice(0, comma);
  // digits only, as the Lua pattern '^(%d+),' reads them
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const rest = raw.slice(comma + 1);
  return { timeouts: Number(head), prefixes: rest === '' ? [] : rest.split('.') };
}

/** The Lua of a source update on KEYS[k] with its four arguments from ARGV[a]; sets `nids` to the prefixes kept. */
function sourceLua(k: number, a: number): string {
  return `
local sraw = redis.call('GET', KEYS[${k}])
local sto, sids = 0, {}
if sraw then
  local x, y = string.match(sraw, '^(%d+),(.*)$')
  if x then
    sto = tonumber(x)
    for id in string.gmatch(y, '[^.]+') do sids[#sids + 1] = id end
  end
end
sto = sto + tonumber(ARGV[${a + 2}])
local found = false
for i = 1, #sids do if sids[i] == ARGV[${a + 1}] then found = true end end
if not found and #sids < tonumber(ARGV[${a + 3}]) then sids[#sids + 1] = ARGV[${a + 1}] end
redis.call('SET', KEYS[${k}], string.format('%.0f', sto) .. ',' .. table.concat(sids, '.'), 'PX', ARGV[${a}])
nids = #sids
`;
}

/** The TypeScript twin of sourceLua: args are ttlMs, prefix id, timed out (0/1), most prefixes kept. */
function sourceLocal(ops: ScriptOps, key: string, args: readonly (string | number)[]): number {
  const raw = ops.get(key);
  const s = raw === null ? null : parseSource(raw);
  const ids = s === null ? [] : [...s.prefixes];
  const timeouts = (s?.timeouts ?? 0) + Number(args[2]);
  const id = String(args[1]);
  if (!ids.includes(id) && ids.length < Number(args[3])) ids.push(id);
  ops.set(key, `${timeouts.toFixed(0)},${ids.join('.')}`, Number(args[0]));
  return ids.length;
}

/**
 * KEYS[1] a source's record; ARGV after now: ttlMs, prefix id, timed out (0/1), most prefixes kept. Adds the
 * prefix when new and there is room, counts a time-out, keeps the record for ttl; returns the prefixes kept.
 */
export const SOURCE_UPDATE: StoreScript<number> = Object.freeze({
  name: 'behaviour.source',
  lua: `local nids = 0\n${sourceLua(1, 2)}return nids\n`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    return sourceLocal(ops, keys[0]!, args);
  },
  decode: (r: Reply) => Number(r),
});

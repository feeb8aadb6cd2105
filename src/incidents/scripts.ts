// The incident's store scripts (Lua for Redis, TypeScript for memory): one atomic step each, so two gateways
// on one store count into one incident and exactly one of them sees each transition (and acts and alerts on it).
import { createHash } from 'node:crypto';
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';

export type Transition = 'none' | 'opened' | 'escalated' | 'resolved' | 'reopened' | 'missing';

export interface ScriptResult {
  readonly transition: Transition;
  /** The record after the step (JSON), '' when there is none. */
  readonly record: string;
}

const decode = (r: Reply): ScriptResult => {
  const a = Array.isArray(r) ? r : [];
  return { transition: String(a[0] ?? 'none') as Transition, record: a[1] == null ? '' : String(a[1]) };
};

const MAX_LIST = 20;

/** Thresholds as the scripts take them: `count:rank,...` (the rules of one kind). */
export function thresholdArg(rules: readonly { count: number; rank: number }[]): string {
  return rules.map((r) => `${r.count}:${r.rank}`).join(',');
}

const sha16 = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 16);

/**
 * KEYS[1] the incident; ARGV: now, windowMs, rememberMs, ttlMs, kind, subject, thresholds, request id (the
 * report's, '' for none: kept as the incident's last, so its breakdown can be looked up). One report: counted
 * (a pending record starts again after the window), the severity is the highest rule reached raised by one per
 * recent resolved incident of the subject (capped at critical); a severity above the record's opens (pending)
 * or escalates it. Returns {transition, record}.
 */
export const OBSERVE: StoreScript<ScriptResult> = Object.freeze({
  name: 'incidents.observe',
  lua: `
local now = tonumber(ARGV[1])
local raw = redis.call('GET', KEYS[1])
local rec = nil
if raw then rec = cjson.decode(raw) end
local rep = 0
if rec and rec.state == 'resolved' then
  if now - rec.resolved <= tonumber(ARGV[3]) then rep = rec.rep + 1 end
  rec = nil
elseif rec and rec.state == 'pending' and now - rec.first > tonumber(ARGV[2]) then
  rep = rec.rep
  rec = nil
end
if not rec then
  rec = { id = string.sub(redis.sha1hex(KEYS[1] .. '@' .. ARGV[1]), 1, 16), kind = ARGV[5], subject = ARGV[6],
    state = 'pending', sev = -1, count = 0, first = now, last = now, resolved = 0, rep = rep, actions = {}, notes = {} }
end
rec.count = rec.count + 1
rec.last = now
if ARGV[8] ~= '' then rec.req = ARGV[8] end
local sev = -1
for c, r in string.gmatch(ARGV[7], '(%d+):(%d+)') do
  if rec.count >= tonumber(c) and tonumber(r) > sev then sev = tonumber(r) end
end
if sev >= 0 then sev = math.min(3, sev + rec.rep) end
local t = 'none'
if sev > rec.sev then
  if rec.state == 'pending' then rec.state = 'open'; rec.opened = now; t = 'opened' else rec.state = 'escalated'; t = 'escalated' end
  rec.sev = sev
end
local enc = cjson.encode(rec)
-- a pending record lives for its window only: a flood of one-off refusals from many addresses leaves nothing
local ttl = tonumber(ARGV[4])
if rec.state == 'pending' then ttl = tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], enc, 'PX', ttl)
return { t, enc }
`,
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
    const key = keys[0]!;
    const raw = ops.get(key);
    let rec = raw === null ? null : (JSON.parse(raw) as Record<string, unknown> & { rep: number });
    let rep = 0;
    if (rec !== null && rec.state === 'resolved') {
      if (now - Number(rec.resolved) <= Number(args[1])) rep = rec.rep + 1;
      rec = null;
    } else if (rec !== null && rec.state === 'pending' && now - Number(rec.first) > Number(args[0])) {
      rep = rec.rep;
      rec = null;
    }
    rec ??= {
      id: sha16(`${key}@${now}`),
      kind: String(args[3]),
      subject: String(args[4]),
      state: 'pending',
      sev: -1,
      count: 0,
      first: now,
      last: now,
      resolved: 0,
      rep,
      actions: [],
      notes: [],
    };
    rec.count = Number(rec.count) + 1;
    rec.last = now;
    if (String(args[6] ?? '') !== '') rec.req = String(args[6]);
    let sev = -1;
    for (const pair of String(args[5]).split(',')) {
      const [c, r] = pair.split(':').map(Number);
      if (c !== undefined && r !== undefined && Number(rec.count) >= c && r > sev) sev = r;
    }
    if (sev >= 0) sev = Math.min(3, sev + rec.rep);
    let t = 'none';
    if (sev > Number(rec.sev)) {
      t = rec.state === 'pending' ? 'opened' : 'escalated';
      rec.state = t === 'opened' ? 'open' : 'escalated';
      if (t === 'opened') rec.opened = now;
      rec.sev = sev;
    }
    const enc = JSON.stringify(rec);
    ops.set(key, enc, rec.state === 'pending' ? Number(args[0]) : Number(args[2]));
    return [t, enc];
  },
  decode,
});

/**
 * KEYS[1] the incident; ARGV: now, op, quietMs, ttlMs, actor, text. op auto: resolves an open incident quiet
 * for quietMs (the sweep of every instance may try; one succeeds); resolve / reopen: an operator's, with a note;
 * annotate: a note only; act: appends each line of `text` to the actions (all of a transition's steps in one
 * call). Returns {transition, record}.
 */
export const AMEND: StoreScript<ScriptResult> = Object.freeze({
  name: 'incidents.amend',
  lua: `
local raw = redis.call('GET', KEYS[1])
if not raw then return { 'missing', false } end
local rec = cjson.decode(raw)
local now = tonumber(ARGV[1])
local op = ARGV[2]
local t = 'none'
local live = rec.state == 'open' or rec.state == 'escalated'
if op == 'auto' then
  if not live or now - rec.last < tonumber(ARGV[3]) then return { 'none', false } end
  rec.state = 'resolved'; rec.resolved = now; t = 'resolved'
elseif op == 'resolve' and live then
  rec.state = 'resolved'; rec.resolved = now; t = 'resolved'
elseif op == 'reopen' and rec.state == 'resolved' then
  rec.state = 'open'; rec.resolved = 0; rec.last = now; t = 'reopened'
end
if op == 'act' then
  for line in string.gmatch(ARGV[6], '[^\\n]+') do
    table.insert(rec.actions, line)
    if #rec.actions > ${MAX_LIST} then table.remove(rec.actions, 1) end
  end
elseif op ~= 'auto' then
  local text = op
  if ARGV[6] ~= '' then text = op .. ': ' .. ARGV[6] end
  table.insert(rec.notes, { time = now, actor = ARGV[5], text = text })
  if #rec.notes > ${MAX_LIST} then table.remove(rec.notes, 1) end
end
local enc = cjson.encode(rec)
redis.call('SET', KEYS[1], enc, 'PX', tonumber(ARGV[4]))
return { t, enc }
`,
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
    const key = keys[0]!;
    const raw = ops.get(key);
    if (raw === null) return ['missing', null];
    const rec = JSON.parse(raw) as Record<string, unknown>;
    const op = String(args[0]);
    const live = rec.state === 'open' || rec.state === 'escalated';
    let t = 'none';
    if (op === 'auto') {
      if (!live || now - Number(rec.last) < Number(args[1])) return ['none', null];
      rec.state = 'resolved';
      rec.resolved = now;
      t = 'resolved';
    } else if (op === 'resolve' && live) {
      rec.state = 'resolved';
      rec.resolved = now;
      t = 'resolved';
    } else if (op === 'reopen' && rec.state === 'resolved') {
      rec.state = 'open';
      rec.resolved = 0;
      rec.last = now;
      t = 'reopened';
    }
    const push = (field: 'actions' | 'notes', v: unknown): void => {
      const a = Array.isArray(rec[field]) ? (rec[field] as unknown[]) : [];
      a.push(v);
      if (a.length > MAX_LIST) a.shift();
      rec[field] = a;
    };
    const text = String(args[4]);
    if (op === 'act') {
      for (const line of text.split('\n')) if (line !== '') push('actions', line);
    } else if (op !== 'auto') {
      push('notes', { time: now, actor: String(args[3]), text: text === '' ? op : `${op}: ${text}` });
    }
    const enc = JSON.stringify(rec);
    ops.set(key, enc, Number(args[2]));
    return [t, enc];
  },
  decode,
});

/**
 * KEYS[1] a network's offending addresses; ARGV: now, ttlMs, address, max. Adds the address (distinct, at most
 * `max` kept) and returns how many distinct addresses the network has offended from within the lifetime.
 */
export const ADDRESSES: StoreScript<number> = Object.freeze({
  name: 'incidents.addresses',
  lua: `
local raw = redis.call('GET', KEYS[1]) or ''
local n = 0
local seen = false
for a in string.gmatch(raw, '[^,]+') do
  n = n + 1
  if a == ARGV[3] then seen = true end
end
if not seen and n < tonumber(ARGV[4]) then
  if raw == '' then raw = ARGV[3] else raw = raw .. ',' .. ARGV[3] end
  n = n + 1
end
redis.call('SET', KEYS[1], raw, 'PX', tonumber(ARGV[2]))
return n
`,
  local(ops: ScriptOps, keys: readonly string[], _now: number, args: readonly (string | number)[]): Reply {
    const key = keys[0]!;
    const list = (ops.get(key) ?? '').split(',').filter((a) => a !== '');
    const address = String(args[1]);
    if (!list.includes(address) && list.length < Number(args[2])) list.push(address);
    ops.set(key, list.join(','), Number(args[0]));
    return list.length;
  },
  decode: (r: Reply) => Number(r),
});

// One compile-slot cap shared by every gateway instance: slot leases in the Store (a Lua script and its
// TypeScript twin), taken when a local request needs one, given back when it ends, renewed while held.
import { randomBytes } from 'node:crypto';
import type { Reply, ScriptOps, Store, StoreScript } from '../store/store.js';
import type { Lane, SlotGate } from './gate.js';

/**
 * KEYS[1]: the lease table, `holder,lane,expiry;` entries (lane n or s). ARGV after now: op (t take, g give,
 * r renew), holder (give, take) or holder prefix (renew), lane, capacity, slow capacity, lease ms. Expired
 * entries are dropped on every call: an instance that died frees its slots when its leases run out. Returns
 * {taken (1/0), total held, slow held} after the call.
 */
const LUA = `
local now = tonumber(ARGV[1])
local op = ARGV[2]
local who = ARGV[3]
local lane = ARGV[4]
local cap = tonumber(ARGV[5])
local slowcap = tonumber(ARGV[6])
local lease = tonumber(ARGV[7])
local raw = redis.call('GET', KEYS[1]) or ''
local out = {}
local total, slow, last = 0, 0, 0
local function add(h, l, e)
  out[#out + 1] = h .. ',' .. l .. ',' .. string.format('%d', e) .. ';'
  total = total + 1
  if l == 's' then slow = slow + 1 end
  if e > last then last = e end
end
for h, l, e in string.gmatch(raw, '([^,;]+),([ns]),(%d+);') do
  e = tonumber(e)
  if e > now and not (op == 'g' and h == who) then
    if op == 'r' and string.sub(h, 1, #who) == who then e = now + lease end
    add(h, l, e)
  end
end
local taken = 0
if op == 't' and total < cap and (lane == 'n' or slow < slowcap) then
  add(who, lane, now + lease)
  taken = 1
end
if total == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], table.concat(out), 'PX', math.max(1, last - now))
end
return { taken, total, slow }`;

function local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
  const [op, who, lane] = [String(args[0]), String(args[1]), String(args[2])];
  const [cap, slowcap, lease] = [Number(args[3]), Number(args[4]), Number(args[5])];
  const raw = ops.get(keys[0]!) ?? '';
  const out: string[] = [];
  let total = 0;
  let slow = 0;
  let last = 0;
  const add = (h: string, l: string, e: number): void => {
    out.push(`${h},${l},${e};`);
    total++;
    if (l === 's') slow++;
    if (e > last) last = e;
  };
  for (const m of raw.matchAll(/([^,;]+),([ns]),(\d+);/g)) {
    let e = Number(m[3]);
    const h = m[1]!;
    if (e <= now || (op === 'g' && h === who)) continue;
    if (op === 'r' && h.startsWith(who)) e = now + lease;
    add(h, m[2]!, e);
  }
  let taken = 0;
  if (op === 't' && total < cap && (lane === 'n' || slow < slowcap)) {
    add(who, lane, now + lease);
    taken = 1;
  }
  if (total === 0) ops.del(keys[0]!);
  else ops.set(keys[0]!, out.join(''), Math.max(1, last - now));
  return [taken, total, slow];
}

export interface LeaseReply {
  readonly taken: boolean;
  readonly total: number;
  readonly slow: number;
}

export const SLOTS_SCRIPT: StoreScript<LeaseReply> = Object.freeze({
  name: 'portcullis_admission_slots',
  lua: LUA,
  local,
  decode: (r: Reply): LeaseReply => {
    const a = r as number[];
    return { taken: Number(a[0]) === 1, total: Number(a[1]), slow: Number(a[2]) };
  },
});

/** The store key of the shared table (one hash tag: one Cluster slot). */
export const SLOTS_KEY = 'adm:{slots}';

export interface GateSettings {
  readonly capacity: number;
  readonly slowCapacity: number;
  readonly leaseMs: number;
  /** How long to wait before asking again when every slot is held elsewhere. */
  readonly retryMs: number;
}

/**
 * Why leases and not a bare counter: a counter an instance increments and then dies holding never comes
 * down. A lease expires unless its instance renews it (every lease_ms / 3 while held), so a crashed
 * instance's slots come back after lease_ms. An instance asks the store for a slot only when a local request
 * needs one, and gives it back as soon as its request ends: idle instances hold nothing.
 */
export class SharedGate implements SlotGate {
  private readonly id = randomBytes(6).toString('hex');
  private seq = 0;
  /** Leases held, by lane; `used` of them serve requests, the rest go back. */
  private readonly held: Record<Lane, string[]> = { normal: [], slow: [] };
  private readonly used: Record<Lane, number> = { normal: 0, slow: 0 };
  private readonly fetching: Record<Lane, boolean> = { normal: false, slow: false };
  private readonly retry: Record<Lane, ReturnType<typeof setTimeout> | null> = { normal: null, slow: null };
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(
    private readonly store: Store,
    public settings: GateSettings,
    /** Called when a lease arrived: the queue dispatches again. */
    private readonly wake: () => void,
    /** A store call failed (counted by the caller). */
    private readonly failed: (err: unknown) => void,
  ) {
    this.heartbeat = setInterval(() => this.renew(), Math.max(10, Math.floor(settings.leaseMs / 3)));
    this.heartbeat.unref();
  }

  available(lane: Lane): boolean {
    return this.held[lane].length > this.used[lane];
  }

  want(lane: Lane): void {
    if (this.closed || this.fetching[lane] || this.retry[lane] !== null) return;
    this.fetching[lane] = true;
    const holder = `${this.id}.${this.seq++}`;
    this.call('t', holder, lane).then(
      (r) => {
        this.fetching[lane] = false;
        if (r.taken) {
          if (this.closed) {
            void this.call('g', holder, lane).catch(this.failed);
            return;
          }
          this.held[lane].push(holder);
        } else {
          // Every slot is held (here or elsewhere): ask again shortly, unless a local release wakes us first.
          this.retry[lane] = setTimeout(() => {
            this.retry[lane] = null;
            this.wake();
          }, this.settings.retryMs);
        }
        this.wake();
      },
      (err: unknown) => {
        this.fetching[lane] = false;
        this.failed(err);
        this.retry[lane] = setTimeout(() => {
          this.retry[lane] = null;
          this.wake();
        }, this.settings.retryMs);
      },
    );
  }

  taken(lane: Lane): void {
    this.used[lane]++;
  }

  freed(lane: Lane): void {
    this.used[lane]--;
  }

  trim(): void {
    for (const lane of ['normal', 'slow'] as const) {
      while (this.held[lane].length > this.used[lane]) {
        const holder = this.held[lane].pop()!;
        this.call('g', holder, lane).catch(this.failed);
      }
    }
  }

  /** Gives back every lease (a reload that turned sharing off, or shutdown). */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const lane of ['normal', 'slow'] as const) {
      if (this.retry[lane] !== null) clearTimeout(this.retry[lane]!);
      for (const holder of this.held[lane]) this.call('g', holder, lane).catch(this.failed);
      this.held[lane] = [];
    }
  }

  /** Leases held (for tests). */
  get leases(): number {
    return this.held.normal.length + this.held.slow.length;
  }

  private renew(): void {
    if (this.held.normal.length + this.held.slow.length === 0) return;
    this.call('r', `${this.id}.`, 'normal').catch(this.failed);
  }

  private async call(op: 't' | 'g' | 'r', who: string, lane: Lane): Promise<LeaseReply> {
    const s = this.settings;
    return this.store.run(
      SLOTS_SCRIPT,
      [SLOTS_KEY],
      [op, who, lane === 'slow' ? 's' : 'n', s.capacity, s.slowCapacity, s.leaseMs],
    );
  }
}

// The Store contract: one suite every Store implementation must pass unchanged (memory, Redis, Redis Cluster).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Reply, ScriptOps, Store, StoreScript } from '../../src/store/store.js';

/** What a store factory hands the suite. */
export interface ContractHarness {
  readonly store: Store;
  /** A second, independent client on the same backing (shared stores); null for process-local stores. */
  readonly peer: (() => Promise<Store>) | null;
  /**
   * Lets `ms` of store time pass: a FakeClock advance for stores that expire by their clock, a real wait
   * for stores whose TTLs run on the server's time (then `caps.realTime` is true).
   */
  elapse(ms: number): Promise<void>;
  /** Frees what the factory made; must tolerate a store already closed by the test. */
  dispose(): Promise<void>;
}

export type HarnessFactory = () => Promise<ContractHarness>;

/** What the store can do, known when the suite is registered (tests it cannot run are not registered). */
export interface ContractCaps {
  /** Several clients share one backing: peer() works and changes cross clients. */
  readonly shared: boolean;
  /** TTLs run on real time (server clock), so TTL tests wait, bounded, instead of advancing a fake clock. */
  readonly realTime: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * run() may answer at once (and throw) or through a promise (and reject): one promise either way, so the
 * failure assertions below mean the same for every store.
 */
function settle<R>(run: () => R | Promise<R>): Promise<R> {
  return Promise.resolve().then(run);
}

/** Polls until `cond` holds or `limitMs` passes (bounded: real-time stores and async signals). */
async function eventually(cond: () => boolean | Promise<boolean>, limitMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
}

/** Adds `by` (ARGV[2]) to every key and returns the new values, plus `now` as the last element. */
const addScript: StoreScript<number[]> = {
  name: 'contract_add',
  lua: `
local out = {}
for i, k in ipairs(KEYS) do
  local v = tonumber(redis.call('GET', k) or '0') + tonumber(ARGV[2])
  redis.call('SET', k, tostring(v))
  out[i] = v
end
out[#KEYS + 1] = tonumber(ARGV[1])
return out`,
  local(ops: ScriptOps, keys, now, args): Reply {
    const out: number[] = [];
    for (const k of keys) {
      const v = Number(ops.get(k) ?? '0') + Number(args[0]);
      ops.set(k, String(v));
      out.push(v);
    }
    out.push(now);
    return out;
  },
  decode: (r) => (r as Reply[]).map(Number),
};

/** Sets KEYS[1] with a TTL (ARGV[2]) and reports PTTL of KEYS[1..3]: missing, no expiry, with expiry. */
const ttlScript: StoreScript<number[]> = {
  name: 'contract_ttl',
  lua: `
redis.call('SET', KEYS[1], 'x', 'PX', tonumber(ARGV[2]))
redis.call('SET', KEYS[2], 'y')
redis.call('DEL', KEYS[3])
return { redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]), redis.call('PTTL', KEYS[3]), redis.call('GET', KEYS[3]) or 'nil' }`,
  local(ops, keys, _now, args): Reply {
    const [a, b, c] = keys as [string, string, string];
    ops.set(a, 'x', Number(args[0]));
    ops.set(b, 'y');
    ops.del(c);
    return [ops.pttl(a), ops.pttl(b), ops.pttl(c), ops.get(c) ?? 'nil'];
  },
  decode: (r) => (r as Reply[]).map((x) => (x === 'nil' ? NaN : Number(x))),
};

/** Returns a nested reply mixing strings, integers and nil, to check both sides decode alike. */
const shapeScript: StoreScript<Reply> = {
  name: 'contract_shape',
  lua: `return { 'a', 7, { ARGV[2], 'b' }, redis.call('GET', KEYS[1]) or 'none' }`,
  local: (ops, keys, _now, args) => ['a', 7, [String(args[0]), 'b'], ops.get(keys[0]!) ?? 'none'],
  decode: (r) => r,
};

const failScript: StoreScript<null> = {
  name: 'contract_fail',
  lua: `return redis.error_reply('contract failure')`,
  local() {
    throw new Error('contract failure');
  },
  decode: () => null,
};

/** Declared read-only: each key's value ('' when missing), then now and the first arg. */
const readScript: StoreScript<Reply[]> = {
  name: 'contract_read',
  lua: `
local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('GET', k) or '' end
out[#KEYS + 1] = tonumber(ARGV[1])
out[#KEYS + 2] = ARGV[2]
return out`,
  local(ops, keys, now, args): Reply {
    return [...keys.map((k) => ops.get(k) ?? ''), now, String(args[0])];
  },
  decode: (r) => r as Reply[],
  reads: true,
};

/** Declared read-only but writes: a fault every store must refuse. */
const lyingReadScript: StoreScript<null> = {
  name: 'contract_lying_read',
  lua: `redis.call('SET', KEYS[1], 'x') return 1`,
  local(ops, keys) {
    ops.set(keys[0]!, 'x');
    return 1;
  },
  decode: () => null,
  reads: true,
};

let counter = 0;

export function storeContract(name: string, factory: HarnessFactory, caps: ContractCaps): void {
  /** Registered only for shared stores: a process-local store has no second client to test. */
  const itShared = caps.shared ? it : () => undefined;
  describe(`Store contract: ${name}`, () => {
    let h: ContractHarness;
    /** A namespace per test so tests sharing one backing never see each other's keys. */
    let ns: string;
    const extra: Store[] = [];

    beforeEach(async () => {
      h = await factory();
      ns = `ct${++counter}${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close().catch(() => undefined);
      await h.dispose();
    });

    const peer = async (): Promise<Store> => {
      const s = await h.peer!();
      extra.push(s);
      return s;
    };

    describe('get / set / delete', () => {
      it('reads back what was set, null when missing, and overwrites', async () => {
        const s = h.store;
        expect(await s.get(`${ns}:missing`)).toBeNull();
        await s.set(`${ns}:k`, 'v1');
        expect(await s.get(`${ns}:k`)).toBe('v1');
        await s.set(`${ns}:k`, 'v2 with spaces and ünïcode');
        expect(await s.get(`${ns}:k`)).toBe('v2 with spaces and ünïcode');
        await s.set(`${ns}:empty`, '');
        expect(await s.get(`${ns}:empty`)).toBe('');
      });

      it('delete reports whether the key existed and removes it', async () => {
        const s = h.store;
        await s.set(`${ns}:d`, '1');
        expect(await s.delete(`${ns}:d`)).toBe(true);
        expect(await s.get(`${ns}:d`)).toBeNull();
        expect(await s.delete(`${ns}:d`)).toBe(false);
      });

      itShared('a shared store shows one client the writes of another', async () => {
        const other = await peer();
        await h.store.set(`${ns}:shared`, 'from-a');
        expect(await other.get(`${ns}:shared`)).toBe('from-a');
        expect(await other.delete(`${ns}:shared`)).toBe(true);
        expect(await h.store.get(`${ns}:shared`)).toBeNull();
      });
    });

    describe('TTL', () => {
      it('a key lives until its TTL and is gone after it', async () => {
        const s = h.store;
        const ttl = caps.realTime ? 150 : 1_000;
        await s.set(`${ns}:t`, 'v', ttl);
        await s.set(`${ns}:long`, 'v', 600_000);
        await s.set(`${ns}:forever`, 'v');
        expect(await s.get(`${ns}:t`)).toBe('v');
        if (caps.realTime) {
          expect(await eventually(async () => (await s.get(`${ns}:t`)) === null)).toBe(true);
        } else {
          await h.elapse(ttl - 1);
          expect(await s.get(`${ns}:t`)).toBe('v');
          await h.elapse(1);
          expect(await s.get(`${ns}:t`)).toBeNull();
        }
        expect(await s.get(`${ns}:long`)).toBe('v');
        expect(await s.get(`${ns}:forever`)).toBe('v');
      });

      it('ttl <= 0 or undefined means no expiry, and a plain set clears an earlier TTL', async () => {
        const s = h.store;
        await s.set(`${ns}:z`, 'v', 0);
        await s.set(`${ns}:n`, 'v', -5);
        await s.set(`${ns}:c`, 'v', caps.realTime ? 100 : 1_000);
        await s.set(`${ns}:c`, 'w');
        await h.elapse(caps.realTime ? 300 : 10_000);
        expect(await s.get(`${ns}:z`)).toBe('v');
        expect(await s.get(`${ns}:n`)).toBe('v');
        expect(await s.get(`${ns}:c`)).toBe('w');
      });

      it('expired keys are not listed', async () => {
        const s = h.store;
        await s.set(`${ns}:x:gone`, '1', caps.realTime ? 100 : 1_000);
        await s.set(`${ns}:x:kept`, '2');
        await h.elapse(caps.realTime ? 300 : 1_000);
        const ok = await eventually(async () => (await s.list(`${ns}:x:`)).length === 1);
        expect(ok).toBe(true);
        expect(await s.list(`${ns}:x:`)).toEqual([{ key: `${ns}:x:kept`, value: '2' }]);
      });
    });

    describe('list by prefix', () => {
      it('returns every live entry under the prefix and nothing else', async () => {
        const s = h.store;
        const want: { key: string; value: string }[] = [];
        for (let i = 0; i < 25; i++) {
          await s.set(`${ns}:a:${i}`, `v${i}`);
          want.push({ key: `${ns}:a:${i}`, value: `v${i}` });
        }
        await s.set(`${ns}:ab:1`, 'other');
        await s.set(`${ns}:b:1`, 'other');
        await s.set(`${ns}`, 'bare');
        const got = await s.list(`${ns}:a:`);
        const byKey = (x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key);
        expect([...got].sort(byKey)).toEqual(want.sort(byKey));
        expect(await s.list(`${ns}:ab:`)).toEqual([{ key: `${ns}:ab:1`, value: 'other' }]);
        expect(await s.list(`${ns}:nothing:`)).toEqual([]);
        expect((await s.list(`${ns}:`)).length).toBe(27);
      });

      it('treats glob characters in the prefix literally', async () => {
        const s = h.store;
        await s.set(`${ns}:g*[x]?:1`, 'lit');
        await s.set(`${ns}:gZZx]?:1`, 'not');
        expect(await s.list(`${ns}:g*[x]?:`)).toEqual([{ key: `${ns}:g*[x]?:1`, value: 'lit' }]);
      });
    });

    describe('change signal', () => {
      it('fires for set and delete, and stops after unsubscribe', async () => {
        const s = h.store;
        const heard: string[] = [];
        const off = s.onChange((k) => {
          if (k.startsWith(ns)) heard.push(k);
        });
        await s.set(`${ns}:c1`, 'v');
        await s.delete(`${ns}:c1`);
        expect(await eventually(() => heard.length >= 2)).toBe(true);
        expect(heard).toEqual([`${ns}:c1`, `${ns}:c1`]);
        off();
        await s.set(`${ns}:c2`, 'v');
        // A marker through a second listener proves later signals are delivered, so silence is meaningful.
        const marker: string[] = [];
        const off2 = s.onChange((k) => {
          if (k.startsWith(ns)) marker.push(k);
        });
        await s.set(`${ns}:c3`, 'v');
        expect(await eventually(() => marker.includes(`${ns}:c3`))).toBe(true);
        off2();
        expect(heard).toEqual([`${ns}:c1`, `${ns}:c1`]);
      });

      it('script writes are not signalled', async () => {
        const s = h.store;
        const heard: string[] = [];
        const off = s.onChange((k) => {
          if (k.startsWith(ns)) heard.push(k);
        });
        await s.run(addScript, [`{${ns}}:s1`], [1]);
        await s.set(`${ns}:after`, 'v');
        expect(await eventually(() => heard.length >= 1)).toBe(true);
        expect(heard).toEqual([`${ns}:after`]);
        off();
      });

      itShared('a second client of a shared store hears the first one’s changes', async () => {
        const other = await peer();
        const heard: string[] = [];
        other.onChange((k) => {
          if (k.startsWith(ns)) heard.push(k);
        });
        // Subscriptions on a shared backing may take a moment to be live: retry the write, bounded.
        const ok = await eventually(async () => {
          await h.store.set(`${ns}:p`, 'v');
          return heard.length > 0;
        });
        expect(ok).toBe(true);
        expect(heard.every((k) => k === `${ns}:p`)).toBe(true);
        heard.length = 0;
        // Another key, so the retried sets above cannot be mistaken for the delete's signal.
        await h.store.set(`${ns}:q`, 'v');
        await h.store.delete(`${ns}:q`);
        expect(await eventually(() => heard.filter((k) => k === `${ns}:q`).length === 2)).toBe(true);
      });
    });

    describe('atomic scripts', () => {
      it('a counter over two keys run concurrently gives exact totals', async () => {
        const s = h.store;
        const keys = [`{${ns}}:c:a`, `{${ns}}:c:b`];
        const n = 200;
        const replies = await Promise.all(Array.from({ length: n }, () => s.run(addScript, keys, [1])));
        expect(await s.get(keys[0]!)).toBe(String(n));
        expect(await s.get(keys[1]!)).toBe(String(n));
        // Every run saw both keys at the same count: no interleaving between the two writes.
        const firsts = replies.map((r) => r[0]);
        for (const r of replies) expect(r[0]).toBe(r[1]);
        expect(new Set(firsts).size).toBe(n);
        expect(Math.max(...(firsts as number[]))).toBe(n);
      });

      itShared('clients of a shared store increment one counter exactly', async () => {
        const other = await peer();
        const keys = [`{${ns}}:cc:a`, `{${ns}}:cc:b`];
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? h.store : other).run(addScript, keys, [2])),
        );
        expect(await h.store.get(keys[0]!)).toBe('200');
        expect(await other.get(keys[1]!)).toBe('200');
      });

      it('scripts receive now from the store clock and their args', async () => {
        const s = h.store;
        const before = s.clock.now();
        const r = await s.run(addScript, [`{${ns}}:now`], [5]);
        const after = s.clock.now();
        expect(r[0]).toBe(5);
        expect(r[1]).toBeGreaterThanOrEqual(before);
        expect(r[1]).toBeLessThanOrEqual(after);
        if (!caps.realTime) {
          await h.elapse(12_345);
          const r2 = await s.run(addScript, [`{${ns}}:now`], [5]);
          expect(r2[1]).toBe(before + 12_345);
        }
      });

      it('script ops follow GET/SET PX/DEL/PTTL semantics', async () => {
        const s = h.store;
        const keys = [`{${ns}}:t:1`, `{${ns}}:t:2`, `{${ns}}:t:3`];
        await s.set(keys[2]!, 'present');
        const [withTtl, noTtl, missing, value] = await s.run(ttlScript, keys, [60_000]);
        expect(withTtl).toBeGreaterThan(55_000);
        expect(withTtl).toBeLessThanOrEqual(60_000);
        expect(noTtl).toBe(-1);
        expect(missing).toBe(-2);
        expect(value).toBeNaN();
        expect(await s.get(keys[0]!)).toBe('x');
        expect(await s.get(keys[1]!)).toBe('y');
        expect(await s.get(keys[2]!)).toBeNull();
      });

      it('script TTLs expire keys', async () => {
        const s = h.store;
        const keys = [`{${ns}}:e:1`, `{${ns}}:e:2`, `{${ns}}:e:3`];
        const ttl = caps.realTime ? 100 : 1_000;
        await s.run(ttlScript, keys, [ttl]);
        if (caps.realTime) {
          expect(await eventually(async () => (await s.get(keys[0]!)) === null)).toBe(true);
        } else {
          await h.elapse(ttl);
          expect(await s.get(keys[0]!)).toBeNull();
        }
        expect(await s.get(keys[1]!)).toBe('y');
      });

      it('nested replies of strings, integers and nil decode alike', async () => {
        const s = h.store;
        expect(await s.run(shapeScript, [`{${ns}}:shape`], ['q'])).toEqual(['a', 7, ['q', 'b'], 'none']);
        await s.set(`{${ns}}:shape`, 'val');
        expect(await s.run(shapeScript, [`{${ns}}:shape`], ['q'])).toEqual(['a', 7, ['q', 'b'], 'val']);
      });

      it('run answers with the decoded value, at once or through a promise', async () => {
        const s = h.store;
        const r = s.run(addScript, [`{${ns}}:r`], [3]);
        // A synchronous answer must be the value itself, never a thenable in disguise.
        if (!(r instanceof Promise)) expect(typeof (r as { then?: unknown }).then).toBe('undefined');
        const [v] = await r;
        expect(v).toBe(3);
      });

      it('a script declared read-only answers like any script, with now and its args', async () => {
        const s = h.store;
        await s.set(`{${ns}}:ra`, 'one');
        const r = await s.run(readScript, [`{${ns}}:ra`, `{${ns}}:rb`], ['arg']);
        expect(r.slice(0, 2)).toEqual(['one', '']);
        expect(Math.abs(Number(r[2]) - s.clock.now())).toBeLessThan(5_000);
        expect(r[3]).toBe('arg');
      });

      it('a script declared read-only that writes fails, and writes nothing', async () => {
        const s = h.store;
        await expect(settle(() => s.run(lyingReadScript, [`{${ns}}:lie`], []))).rejects.toThrow(/read-only/);
        expect(await s.get(`{${ns}}:lie`)).toBeNull();
      });

      it('a failing script fails (thrown or rejected), and the store keeps working', async () => {
        const s = h.store;
        await expect(settle(() => s.run(failScript, [`{${ns}}:f`], []))).rejects.toThrow();
        await s.set(`${ns}:ok`, '1');
        expect(await s.get(`${ns}:ok`)).toBe('1');
      });
    });

    describe('close', () => {
      it('after close, operations reject', async () => {
        const s = h.store;
        await s.set(`${ns}:before`, '1');
        await s.close();
        await expect(s.get(`${ns}:before`)).rejects.toThrow();
        await expect(s.set(`${ns}:after`, '1')).rejects.toThrow();
        await expect(settle(() => s.run(addScript, [`{${ns}}:x`], [1]))).rejects.toThrow();
      });

      itShared('closing one client leaves a shared backing intact for others', async () => {
        const other = await peer();
        await h.store.set(`${ns}:persist`, 'v');
        await h.store.close();
        expect(await other.get(`${ns}:persist`)).toBe('v');
      });
    });
  });
}

// Leased grants: fewer store calls for clients inside their limits, never more admitted than the limits allow.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Store, StoreScript } from '../../../src/store/store.js';
import { buildPlan } from '../../../src/ratelimit/plan.js';
import { LeasedLimiter, type LeaseSettings } from '../../../src/ratelimit/lease.js';
import type { LimitOutcome, Subject } from '../../../src/ratelimit/limiter.js';
import { perMinute, type LimitConfig } from '../../../src/ratelimit/config.js';

const ONE = [{ bits: 32, scale: 1 }];
const SETTINGS: LeaseSettings = { maxUnits: 16, share: 4, maxMs: 1000, maxEntries: 100 };

const perHour = (limit: number): LimitConfig => ({
  name: 'per_hour',
  algorithm: 'sliding_window',
  limit,
  window_s: 3600,
  per_endpoint: false,
});

/**
 * A real memory store seen through an asynchronous boundary, as a shared store is: it counts the script calls
 * (the round trips a Redis store would make) and answers each on a later tick.
 */
class CountingStore implements Store {
  calls = 0;
  readonly kind = 'counting';
  readonly clock: FakeClock;
  private readonly inner: MemoryStore;
  constructor(clock: FakeClock) {
    this.clock = clock;
    this.inner = new MemoryStore({ maxKeys: 10_000, clock });
  }
  async run<R>(script: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): Promise<R> {
    this.calls++;
    await new Promise((r) => setImmediate(r));
    return this.inner.run(script, keys, args);
  }
  get = (key: string) => this.inner.get(key);
  set = (key: string, value: string, ttlMs?: number) => this.inner.set(key, value, ttlMs);
  delete = (key: string) => this.inner.delete(key);
  list = (prefix: string) => this.inner.list(prefix);
  onChange = (l: (key: string) => void) => this.inner.onChange(l);
  close = () => this.inner.close();
}

function setup(settings: LeaseSettings = SETTINGS) {
  const clock = new FakeClock();
  clock.set(Math.ceil(clock.now() / 3_600_000) * 3_600_000); // a window boundary: windows start empty
  const store = new CountingStore(clock);
  return { clock, store, lease: new LeasedLimiter(store, settings) };
}

const client = (tag: string): Subject => ({ tag, groups: [tag] });
const check = async (l: LeasedLimiter, limits: LimitConfig[], s: Subject): Promise<LimitOutcome> =>
  l.check(buildPlanCached(limits), s);

const plans = new Map<LimitConfig[], ReturnType<typeof buildPlan>>();
function buildPlanCached(limits: LimitConfig[]) {
  let p = plans.get(limits);
  if (p === undefined) {
    p = buildPlan('t', limits, null, ONE);
    plans.set(limits, p);
  }
  return p;
}

describe('leased grants', () => {
  it('a client far from its limits costs one store call per 16 requests', async () => {
    const { store, lease } = setup();
    const generous = [perMinute(100_000, 50_000), perHour(1_000_000)];
    for (let i = 0; i < 160; i++) expect((await check(lease, generous, client('a'))).allowed).toBe(true);
    // Ten grants used, and the eleventh fetched ahead when the tenth was half used.
    expect(store.calls).toBe(11);
  });

  it('a busy client’s next grant is fetched ahead: only its first request waits for the store', async () => {
    const { store, lease } = setup();
    const plan = buildPlanCached([perMinute(100_000, 50_000)]);
    let waited = 0;
    for (let i = 0; i < 64; i++) {
      const out = lease.check(plan, client('p'));
      if (out instanceof Promise) waited++;
      expect((await out).allowed).toBe(true);
      await new Promise((r) => setImmediate(r)); // requests arrive spaced out, as on a network
    }
    expect(waited).toBe(1);
    expect(store.calls).toBe(5); // 4 grants of 16 used, the 5th fetched ahead
  });

  it('remaining quota counts a grant fetched ahead too', async () => {
    const { lease } = setup();
    const plan = buildPlanCached([perMinute(600, 400)]);
    const remaining: number[] = [];
    for (let i = 0; i < 40; i++) {
      remaining.push((await lease.check(plan, client('q'))).standings[0]!.standing.remaining);
      await new Promise((r) => setImmediate(r));
    }
    expect(remaining).toEqual(Array.from({ length: 40 }, (_, i) => 399 - i));
  });

  it('RateLimit remaining counts the unused units of a grant as the client’s own', async () => {
    const { lease } = setup();
    const limits = [perMinute(600, 400)]; // room 400 -> grants of 16
    const remaining: number[] = [];
    for (let i = 0; i < 20; i++)
      remaining.push((await check(lease, limits, client('r'))).standings[0]!.standing.remaining);
    // Exactly what one call per request would report: 399, 398, ... (no time passes on the fake clock).
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => 399 - i));
  });

  it('grants shrink to one near a limit, so the limit is exact for one instance', async () => {
    const { store, lease } = setup();
    const limits = [perMinute(10, 5)];
    let admitted = 0;
    for (let i = 0; i < 20; i++) if ((await check(lease, limits, client('b'))).allowed) admitted++;
    expect(admitted).toBe(5);
    // Room 5 with share 4: every grant is a single request; the refusals after the 5th are served locally.
    expect(store.calls).toBe(6);
  });

  it('two instances on one store never admit more than the limit together', async () => {
    const { clock, store } = setup();
    const a = new LeasedLimiter(store, SETTINGS);
    const b = new LeasedLimiter(store, SETTINGS);
    const limits = [perMinute(120, 60)]; // 60 at once, then 2 per second
    let admitted = 0;
    // 30 s of 20 requests per second, alternating instances: the formula allows 60 + 2 * 30 = 120.
    for (let t = 0; t <= 30_000; t += 50) {
      clock.set(clock.now() + (t === 0 ? 0 : 50));
      const on = (t / 50) % 2 === 0 ? a : b;
      if ((await check(on, limits, client('c'))).allowed) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(121);
    // Unused units expire unreturned: each instance may hold back at most maxUnits - 1 per lease period.
    expect(admitted).toBeGreaterThanOrEqual(121 - 2 * 15);
  });

  it('a refusal is served locally until its Retry-After, then the store decides again', async () => {
    const { clock, store, lease } = setup();
    const limits = [perMinute(10, 1)]; // one every 6 s
    expect((await check(lease, limits, client('d'))).allowed).toBe(true);
    const first = await check(lease, limits, client('d'));
    expect(first.allowed).toBe(false);
    const calls = store.calls;
    clock.advance(500);
    const again = await check(lease, limits, client('d'));
    expect(again.allowed).toBe(false);
    expect(again.standings[0]!.standing.retryMs).toBe(first.standings[0]!.standing.retryMs - 500);
    expect(store.calls).toBe(calls); // no round trip for the cached refusal
    clock.advance(5_500); // 6 s after the first request: the store admits again
    expect((await check(lease, limits, client('d'))).allowed).toBe(true);
    expect(store.calls).toBe(calls + 1);
  });

  it('a cached refusal lasts at most max_ms (an admin reset or a tier change is seen within it)', async () => {
    const { clock, store, lease } = setup({ ...SETTINGS, maxMs: 200 });
    const limits = [perHour(1)];
    await check(lease, limits, client('e'));
    expect((await check(lease, limits, client('e'))).allowed).toBe(false);
    const calls = store.calls;
    clock.advance(199);
    await check(lease, limits, client('e'));
    expect(store.calls).toBe(calls);
    clock.advance(1);
    await check(lease, limits, client('e'));
    expect(store.calls).toBe(calls + 1);
  });

  it('unused units expire after max_ms and are not handed out later', async () => {
    const { clock, store, lease } = setup();
    const limits = [perMinute(100_000, 50_000)];
    await check(lease, limits, client('f')); // a grant of 16, one used
    clock.advance(999);
    await check(lease, limits, client('f'));
    expect(store.calls).toBe(1);
    clock.advance(1);
    await check(lease, limits, client('f'));
    expect(store.calls).toBe(2);
  });

  it('concurrent requests of one client wait for the call in flight instead of each making one', async () => {
    const { store, lease } = setup();
    const limits = [perMinute(100_000, 50_000)];
    const outs = await Promise.all(Array.from({ length: 40 }, () => check(lease, limits, client('g'))));
    expect(outs.every((o) => o.allowed)).toBe(true);
    expect(store.calls).toBe(3); // 16 + 16 + 8
  });

  it('on the memory store grants are synchronous: no promise, one script run per 16 requests', () => {
    const clock = new FakeClock();
    let runs = 0;
    const store = new (class extends MemoryStore {
      override runSync<R>(script: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): R {
        runs++;
        return super.runSync(script, keys, args);
      }
    })({ maxKeys: 100, clock });
    const lease = new LeasedLimiter(store, SETTINGS);
    const plan = buildPlanCached([perMinute(100_000, 50_000)]);
    for (let i = 0; i < 32; i++) {
      const out = lease.check(plan, client('m'));
      expect(out).not.toBeInstanceOf(Promise);
      expect((out as LimitOutcome).allowed).toBe(true);
    }
    expect(runs).toBe(2);
  });

  it('holds at most max_clients grants, dropping the oldest', async () => {
    const { lease } = setup({ ...SETTINGS, maxEntries: 5 });
    const limits = [perMinute(100, 50)];
    for (let i = 0; i < 12; i++) await check(lease, limits, client(`h${i}`));
    expect(lease.size).toBe(5);
  });

  it('a failed store call reaches the caller and leaves no stale grant behind', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100, clock });
    const lease = new LeasedLimiter(store as Store, SETTINGS);
    await store.close();
    await expect(check(lease, [perMinute(10, 5)], client('i'))).rejects.toThrow(/closed/);
    await expect(check(lease, [perMinute(10, 5)], client('i'))).rejects.toThrow(/closed/);
  });
});

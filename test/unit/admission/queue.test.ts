// The admission queue in-process with a hand-moved scheduler: priority, round-robin fairness, shares, the
// bounded wait, shedding, the slow lane and reconfiguration.
import { describe, expect, it } from 'vitest';
import { AdmissionQueue, type QueueSettings, type Scheduler, type Ticket } from '../../../src/admission/queue.js';
import { HandTimers } from '../../helpers/hand-timers.js';

class FakeScheduler extends HandTimers implements Scheduler {
  get pending(): number {
    return this.pendingDelays.length;
  }
}

const TIERS = ['premium', 'authenticated', 'anonymous', 'suspicious'];

function settings(over: Partial<QueueSettings> = {}): QueueSettings {
  return {
    capacity: 2,
    slowCapacity: 1,
    queueMax: 10,
    maxWaitMs: 1000,
    ranks: new Map(TIERS.map((t, i) => [t, i])),
    tierCaps: new Map(),
    ...over,
  };
}

function make(over: Partial<QueueSettings> = {}) {
  const sched = new FakeScheduler();
  let changes = 0;
  const q = new AdmissionQueue(settings(over), sched, () => changes++);
  return { q, sched, changes: () => changes };
}

const result = (t: Ticket): string => t.settled?.result ?? 'waiting';

describe('admission queue', () => {
  it('grants up to capacity at once, queues the rest, and hands a freed slot on', async () => {
    const { q, sched, changes } = make();
    const a = q.acquire('a', 'anonymous', 'normal');
    const b = q.acquire('b', 'anonymous', 'normal');
    const c = q.acquire('c', 'anonymous', 'normal');
    expect([a, b, c].map(result)).toEqual(['admitted', 'admitted', 'waiting']);
    expect(q.stats()).toMatchObject({ inflight: 2, queued: 1 });
    expect(q.stats().queuedByTier.get('anonymous')).toBe(1);
    sched.advance(250);
    q.release(a);
    expect(result(c)).toBe('admitted');
    expect(await c.wait()).toEqual({ result: 'admitted', waitMs: 250 });
    expect(q.stats()).toMatchObject({ inflight: 2, queued: 0 });
    q.release(a); // idempotent
    expect(q.stats().inflight).toBe(2);
    expect(changes()).toBeGreaterThan(0);
    expect(sched.pending).toBe(0); // the granted waiter's timer is gone
  });

  it('gives a freed slot to the highest tier waiting, whatever the arrival order', () => {
    const { q } = make({ capacity: 1 });
    const held = q.acquire('x', 'anonymous', 'normal');
    const order: string[] = [];
    const tickets = [
      q.acquire('s', 'suspicious', 'normal'),
      q.acquire('an', 'anonymous', 'normal'),
      q.acquire('au', 'authenticated', 'normal'),
      q.acquire('p', 'premium', 'normal'),
      q.acquire('u', 'unlisted', 'normal'),
    ];
    let current = held;
    for (let i = 0; i < tickets.length; i++) {
      q.release(current);
      const next = tickets.find((t) => t.state === 'held')!;
      order.push(next.tier);
      current = next;
    }
    expect(order).toEqual(['premium', 'authenticated', 'anonymous', 'suspicious', 'unlisted']);
  });

  it('takes the clients of one tier in turn: one client with many requests does not go first for each', () => {
    const { q } = make({ capacity: 1 });
    let current = q.acquire('x', 'anonymous', 'normal');
    const mine = [0, 1, 2].map(() => q.acquire('a', 'anonymous', 'normal'));
    const b = q.acquire('b', 'anonymous', 'normal');
    const c = q.acquire('c', 'anonymous', 'normal');
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      q.release(current);
      current = [...mine, b, c].find((t) => t.state === 'held')!;
      order.push(current.key);
    }
    expect(order).toEqual(['a', 'b', 'c', 'a', 'a']);
  });

  it('a client holding its share of the slots waits behind one holding less', () => {
    const { q } = make({ capacity: 4 });
    // Alone, a client may use every slot (nobody else wants one).
    const a = [0, 1, 2, 3].map(() => q.acquire('a', 'anonymous', 'normal'));
    expect(a.every((t) => t.state === 'held')).toBe(true);
    const aMore = q.acquire('a', 'anonymous', 'normal');
    const b1 = q.acquire('b', 'anonymous', 'normal');
    const b2 = q.acquire('b', 'anonymous', 'normal');
    // a came first, but holds 4 of 4: its share with b is 2, so b gets the freed slots until it has 2.
    q.release(a[0]!);
    expect([result(aMore), result(b1), result(b2)]).toEqual(['waiting', 'admitted', 'waiting']);
    q.release(a[1]!);
    expect([result(aMore), result(b2)]).toEqual(['waiting', 'admitted']);
    q.release(a[2]!);
    expect(result(aMore)).toBe('admitted');
  });

  it('keeps a tier within its cap, so the slots it may not take stay for the tiers above', () => {
    const { q } = make({ capacity: 5, tierCaps: new Map([['anonymous', 3]]) });
    const anon = [0, 1, 2, 3, 4].map((i) => q.acquire(`a${i}`, 'anonymous', 'normal'));
    expect(anon.map(result)).toEqual(['admitted', 'admitted', 'admitted', 'waiting', 'waiting']);
    const p = q.acquire('p', 'premium', 'normal');
    expect(result(p)).toBe('admitted');
    expect(q.stats()).toMatchObject({ inflight: 4, queued: 2 });
    q.release(anon[0]!);
    expect(result(anon[3]!)).toBe('admitted');
  });

  it('bounds the wait: a request not admitted within max_wait_ms times out and leaves the queue', async () => {
    const { q, sched } = make({ capacity: 1, maxWaitMs: 100 });
    q.acquire('x', 'anonymous', 'normal');
    const w = q.acquire('a', 'anonymous', 'normal');
    const settled = w.wait();
    sched.advance(99);
    expect(result(w)).toBe('waiting');
    sched.advance(1);
    expect(await settled).toEqual({ result: 'timeout', waitMs: 100 });
    expect(q.stats().queued).toBe(0);
    q.release(w); // a settled wait is not released twice
    expect(q.stats().inflight).toBe(1);
  });

  it('sheds the lowest tier first when the queue is full, and the greediest client within a tier', () => {
    const { q } = make({ capacity: 1, queueMax: 3 });
    q.acquire('x', 'anonymous', 'normal');
    const a1 = q.acquire('a', 'anonymous', 'normal');
    const a2 = q.acquire('a', 'anonymous', 'normal');
    const b = q.acquire('b', 'anonymous', 'normal');
    // Full. A suspicious request ranks below everyone waiting: it is the one shed.
    expect(result(q.acquire('s', 'suspicious', 'normal'))).toBe('shed');
    // A premium one takes the place of the newest request of the anonymous client with the most waiting.
    const p = q.acquire('p', 'premium', 'normal');
    expect([result(p), result(a1), result(a2), result(b)]).toEqual(['waiting', 'waiting', 'shed', 'waiting']);
    // Another anonymous client, as greedy as those waiting (one each): it is shed, not them.
    expect(result(q.acquire('c', 'anonymous', 'normal'))).toBe('shed');
    // And the client already waiting with one, asking for a second: shed too.
    expect(result(q.acquire('a', 'anonymous', 'normal'))).toBe('shed');
    expect(q.stats().queued).toBe(3);
  });

  it('sheds at once when there is no queue', () => {
    const { q } = make({ capacity: 1, queueMax: 0 });
    expect(result(q.acquire('x', 'premium', 'normal'))).toBe('admitted');
    expect(result(q.acquire('y', 'premium', 'normal'))).toBe('shed');
  });

  it('runs at most slow_capacity slow-lane compiles, without holding up the normal lane', () => {
    const { q } = make({ capacity: 3, slowCapacity: 1 });
    const s1 = q.acquire('a', 'anonymous', 'slow');
    const s2 = q.acquire('b', 'anonymous', 'slow');
    const n1 = q.acquire('c', 'anonymous', 'normal');
    expect([s1, s2, n1].map(result)).toEqual(['admitted', 'waiting', 'admitted']);
    expect(q.stats()).toMatchObject({ inflight: 2, slowInflight: 1, queued: 1 });
    q.release(n1);
    expect(result(s2)).toBe('waiting');
    q.release(s1);
    expect(result(s2)).toBe('admitted');
    expect(q.stats()).toMatchObject({ inflight: 1, slowInflight: 1 });
  });

  it('a request whose client left is taken out of the queue (gone); close sheds every wait', async () => {
    const { q, sched } = make({ capacity: 1 });
    const held = q.acquire('x', 'anonymous', 'normal');
    const w1 = q.acquire('a', 'anonymous', 'normal');
    const w2 = q.acquire('b', 'premium', 'normal');
    sched.advance(5);
    q.release(w1);
    expect(await w1.wait()).toEqual({ result: 'gone', waitMs: 5 });
    q.close();
    expect(result(w2)).toBe('shed');
    expect(q.stats()).toMatchObject({ queued: 0, inflight: 1 });
    q.release(held);
    expect(q.stats().inflight).toBe(0);
    expect(sched.pending).toBe(0);
  });

  it('a larger capacity on reload admits waiters at once; a smaller one lets the slots held finish', () => {
    const { q } = make({ capacity: 1 });
    const a = q.acquire('a', 'anonymous', 'normal');
    const b = q.acquire('b', 'anonymous', 'normal');
    q.configure(settings({ capacity: 2 }));
    expect(result(b)).toBe('admitted');
    q.configure(settings({ capacity: 1 }));
    const c = q.acquire('c', 'anonymous', 'normal');
    q.release(a);
    expect(result(c)).toBe('waiting');
    q.release(b);
    expect(result(c)).toBe('admitted');
    expect(q.config.capacity).toBe(1);
  });
});

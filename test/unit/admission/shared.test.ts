// One compile-slot cap shared by two queues (two instances) over one store: slots leased when needed, handed
// over when freed, given back on close; the slot table's script on the memory store.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { StoreError } from '../../../src/core/errors.js';
import { AdmissionQueue, type QueueSettings } from '../../../src/admission/queue.js';
import { SharedGate, SLOTS_KEY } from '../../../src/admission/shared.js';
import { slotsSuite } from './slots-suite.js';

slotsSuite('memory', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ maxKeys: 100, clock });
  return { store, clock, dispose: () => store.close() };
});

const settings: QueueSettings = {
  capacity: 2,
  slowCapacity: 1,
  queueMax: 10,
  maxWaitMs: 5_000,
  ranks: new Map([['premium', 0]]),
  tierCaps: new Map(),
};

const open: { close(): void }[] = [];
afterEach(() => {
  for (const q of open.splice(0)) q.close();
});

function instance(store: MemoryStore, failures: unknown[] = []) {
  const q = new AdmissionQueue(settings);
  const gate = new SharedGate(
    store,
    // A lease long enough that a loaded machine's event-loop stalls (CI runs this beside the whole suite)
    // never let one lapse between renewals (every lease / 3).
    { capacity: 2, slowCapacity: 1, leaseMs: 600, retryMs: 5 },
    () => q.wake(),
    (e) => failures.push(e),
  );
  q.useGate(gate);
  open.push(q);
  return { q, gate };
}

describe('shared admission cap', () => {
  it('two instances never hold more than the shared capacity; a freed slot moves to the other', async () => {
    const store = new MemoryStore({ maxKeys: 100 });
    const a = instance(store);
    const b = instance(store);
    const a1 = a.q.acquire('x', 'premium', 'normal');
    const a2 = a.q.acquire('y', 'premium', 'normal');
    expect(a1.settled).toBeNull(); // a lease is asked for first
    expect((await a1.wait()).result).toBe('admitted');
    expect((await a2.wait()).result).toBe('admitted');
    const b1 = b.q.acquire('z', 'premium', 'normal');
    await new Promise((r) => setTimeout(r, 30));
    expect(b1.settled).toBeNull();
    expect(a.gate.leases + b.gate.leases).toBe(2);
    a.q.release(a1);
    expect((await b1.wait()).result).toBe('admitted');
    expect(a.gate.leases).toBe(1);
    // Leases are renewed while held (lease 600 ms): still held well after it.
    await new Promise((r) => setTimeout(r, 1500));
    const c = a.q.acquire('w', 'premium', 'normal');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.settled).toBeNull();
    b.q.release(b1);
    a.q.release(a2);
    expect((await c.wait()).result).toBe('admitted');
    a.q.release(c);
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.get(SLOTS_KEY)).toBeNull();
  });

  it('a queue that stops sharing gives its leases back; a failing store is reported and retried', async () => {
    const store = new MemoryStore({ maxKeys: 100 });
    const a = instance(store);
    const t = a.q.acquire('x', 'premium', 'slow');
    expect((await t.wait()).result).toBe('admitted');
    expect(a.q.stats().slowInflight).toBe(1);
    a.q.useGate(null);
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.get(SLOTS_KEY)).toBeNull();
    a.q.release(t);

    const failures: unknown[] = [];
    const broken = new MemoryStore({ maxKeys: 10 });
    let calls = 0;
    const realRun = broken.run.bind(broken);
    broken.run = ((...args: Parameters<MemoryStore['run']>) => {
      if (calls++ < 2) throw new StoreError('connection', 'down');
      return realRun(...args);
    }) as MemoryStore['run'];
    const b = instance(broken, failures);
    const w = b.q.acquire('x', 'premium', 'normal');
    expect((await w.wait()).result).toBe('admitted');
    expect(failures.length).toBe(2);
  });
});

// Memory per tracked client of the behaviour module on the memory store: 100,000 clients, each with its record
// (one request folded in, three packages), then each with a distinct source record too. Heap after a full GC.
// Usage: npm run build && node --expose-gc bench/behaviour-memory.mjs [--clients 100000]
import { parseArgs } from 'node:util';
import { MemoryStore } from '../dist/store/memory.js';
import { BEHAVIOUR_UPDATE, clientArgs, SOURCE_UPDATE } from '../dist/behaviour/scripts.js';
import { MAX_PACKAGES, packageId } from '../dist/behaviour/features.js';
import { FakeClock } from '../dist/core/clock.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const { values: o } = parseArgs({ options: { clients: { type: 'string', default: '100000' } } });
const n = Number(o.clients);
const clock = new FakeClock(1_800_000_000_000);
const params = { rateHalfMs: 10_000, halfMs: 600_000, ttlMs: 3_600_000, alpha: 0.2, maxPackages: MAX_PACKAGES };
const event = {
  compile: 1,
  texError: 0,
  exhaustion: 0,
  complexity: 137,
  size: 620,
  output: 14_000,
  nearMisses: 0,
  rules: 0,
  refused: 0,
  packages: ['calc', 'arrows.meta', 'positioning'].map(packageId),
};
const args = clientArgs(event, params);

function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const store = new MemoryStore({ maxKeys: 3 * n, clock });
const ip = (i) => `a:${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.0/24`;
const before = heap();
for (let i = 0; i < n; i++) store.run(BEHAVIOUR_UPDATE, [`bh:c:${ip(i)}`], args);
const clients = heap();
for (let i = 0; i < n; i++)
  store.run(
    SOURCE_UPDATE,
    [`bh:s:${(i * 2654435761).toString(16).padStart(32, '0')}`],
    [86_400_000, packageId(ip(i)), 0, 64],
  );
const sources = heap();
const perClient = (clients - before) / n;
const perSource = (sources - clients) / n;
console.log(`clients: ${n}`);
console.log(`client record: ${perClient.toFixed(0)} bytes per client (heap, memory store)`);
console.log(`source record: ${perSource.toFixed(0)} bytes per distinct source`);
console.log(`client + one source: ${(perClient + perSource).toFixed(0)} bytes`);
console.log(
  `stored text of one client record: ${store.run({ name: 'peek', lua: '', local: (ops, k) => ops.get(k[0]), decode: (r) => r }, [`bh:c:${ip(0)}`], []).length} characters`,
);

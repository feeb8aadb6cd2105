// node bench/trust-micro.mjs ['{"recent":0}']: the trust check's own cost per request in-process (µs), on the memory store, for an
// anonymous and an identified request (device + history read in one store call). Build first (npm run build).
import { buildTrustCheck } from '../dist/checks/trust.js';
import { configSchema } from '../dist/config/schema.js';
import { RequestContext } from '../dist/core/context.js';
import { Resources } from '../dist/core/resources.js';
import { systemClock } from '../dist/core/clock.js';
import { MemoryStore } from '../dist/store/memory.js';
import { createLogger } from '../dist/telemetry/logger.js';

const extra = JSON.parse(process.argv[2] ?? '{}');
const config = configSchema.parse({
  upstream: { url: 'http://127.0.0.1:1' },
  routes: [{ name: 'compile', path: '/compile' }],
  trust: {
    mode: 'enforce',
    allow_at: 10,
    deny_below: 0,
    ...extra,
    components: { geography: { country_risk: { KP: 1 } }, ...extra.components },
  },
});
const check = buildTrustCheck(config, {
  store: new MemoryStore({ maxKeys: 100_000, clock: systemClock }),
  clock: systemClock,
  log: createLogger('silent'),
  resources: new Resources(),
});
const headers = { host: 'x', 'user-agent': 'curl/8.5.0', accept: '*/*', 'content-type': 'application/json' };
const route = { name: 'compile', config: { deny_score: 100 } };

function run(label, make, n = 200_000) {
  for (let i = 0; i < 20_000; i++) check.run(make(i));
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const c = make(i);
    check.run(c);
    check.onComplete(c);
  }
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(`${label}: ${us.toFixed(2)} µs per request (context, check, log hook)`);
}

const ctx = (i, user) => {
  const c = new RequestContext('POST', headers, 0);
  c.clientIp = `10.0.${(i >> 8) & 255}.${i & 255}`;
  c.route = route;
  c.id = String(i);
  if (user) c.identity = { user: `u${i & 1023}`, tier: 'authenticated', method: 'api_key' };
  return c;
};
run('anonymous', (i) => ctx(i, false));
run('identified', (i) => ctx(i, true));
// what making the context costs by itself, to subtract
const t = process.hrtime.bigint();
let keep = 0;
for (let i = 0; i < 200_000; i++) keep += ctx(i, true).id.length;
console.log(`context alone: ${(Number(process.hrtime.bigint() - t) / 1000 / 200_000).toFixed(2)} µs (${keep > 0})`);

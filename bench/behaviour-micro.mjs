// The behaviour check's CPU cost per request on the memory store: features of a 620-byte (or 10 KB) TikZ body,
// the store read, the detectors, and the log-phase update, over --clients clients. Median of --runs runs.
// Usage: npm run build && node bench/behaviour-micro.mjs [--body bench/bodies/tikz-620.json] [--runs 11]
//        [--iterations 20000] [--clients 1000]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { behaviourCheck } from '../dist/checks/behaviour.js';
import { behaviourSchema } from '../dist/behaviour/config.js';
import { Population } from '../dist/behaviour/robust.js';
import { MemoryStore } from '../dist/store/memory.js';
import { RequestContext } from '../dist/core/context.js';
import { createLogger } from '../dist/telemetry/logger.js';

const { values: o } = parseArgs({
  options: {
    body: { type: 'string', default: 'bench/bodies/tikz-620.json' },
    runs: { type: 'string', default: '11' },
    iterations: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '1000' },
  },
});
const body = readFileSync(o.body);
const parsed = JSON.parse(body.toString('utf8'));
const fields = Object.entries(parsed)
  .filter(([, v]) => typeof v === 'string')
  .map(([name, value]) => ({ name, path: name, value, code: name === 'tikz_code' }));
const store = new MemoryStore({ maxKeys: 1_000_000 });
const cfg = behaviourSchema.parse({ mode: 'enforce' });
const check = behaviourCheck(cfg, store, new Population(cfg.population_sample), createLogger('silent'));
const route = { name: 'compile' };
const clients = Number(o.clients);
// never-seen diagrams: a distinct source per request slot, made flat (as JSON.parse makes them) before timing
const variants = Array.from({ length: 4096 }, (_, i) =>
  fields.map((f) => (f.code ? { ...f, value: JSON.parse(JSON.stringify(`${f.value}% ${i}\n\\node{${i}};`)) } : f)),
);

function one(i, v) {
  const ctx = new RequestContext('POST', {}, 0);
  ctx.clientIp = `10.${(i >> 8) & 255}.${i & 255}.7`;
  ctx.route = route;
  ctx.body = body;
  ctx.decoded = { type: 'json', fields: variants[v & 4095] };
  check.run(ctx);
  ctx.upstreamSent = 1;
  ctx.compile = { outcome: 'ok', wallMs: 150, cpuMs: null, source: 'headers', headerProblem: null };
  ctx.bytesOut = 14_000;
  check.onComplete(ctx);
}

const iterations = Number(o.iterations);
for (let i = 0; i < iterations; i++) one(i % clients, i); // warm-up
const results = [];
for (let r = 0; r < Number(o.runs); r++) {
  const t = process.cpuUsage();
  for (let i = 0; i < iterations; i++) one((r * iterations + i) % clients, i);
  const u = process.cpuUsage(t);
  results.push((u.user + u.system) / iterations);
}
results.sort((a, b) => a - b);
console.log(
  `behaviour check, ${body.length} B body, memory store: ${results[results.length >> 1].toFixed(1)} us CPU per request (median of ${results.length})`,
);

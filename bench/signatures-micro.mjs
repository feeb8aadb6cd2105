// Micro-benchmark of the signatures check alone (not a test): CPU per request for the bench's 620-byte and
// 10 KB TikZ bodies, with the shipped rules and the default config, plus the TeX normaliser on its own.
// Run after `npm run build`:  node bench/signatures-micro.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signaturesConfigSchema } from '../dist/signatures/config.js';
import { loadSignatureEngine } from '../dist/signatures/build.js';
import { texNormalise } from '../dist/signatures/transforms/tex.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const engine = loadSignatureEngine(signaturesConfigSchema.parse({}), ['compile'], repo);
// The same engine without the clean-text memory: the cost of a diagram seen for the first time.
const fresh = loadSignatureEngine(signaturesConfigSchema.parse({ clean_cache_entries: 0 }), ['compile'], repo);

// The headers wrk sends (bench/../wrk/compile.lua), as Node parses them.
const headers = {
  host: 'localhost',
  'content-type': 'application/json',
  accept: 'image/svg+xml',
  'user-agent': 'gateway-bench/1 (wrk)',
  'content-length': '620',
};

function input(file) {
  const raw = readFileSync(join(here, 'bodies', file));
  const text = raw.toString('utf8');
  // Every request brings a new string (JSON.parse): string hashes are not cached across requests, so each
  // iteration parses the body anew, and the cost of JSON.parse alone is measured and subtracted.
  return (code = JSON.parse(text).tikz_code) => ({
    route: 'compile',
    tier: 'anonymous',
    path: '/compile',
    query: '',
    headers: { ...headers },
    fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }],
    body: raw,
    text,
  });
}

function measure(label, fn, iterations) {
  for (let i = 0; i < Math.min(20_000, iterations); i++) fn(); // warm-up (JIT)
  const t0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const cpu = process.cpuUsage(t0);
  const wall = Number(process.hrtime.bigint() - w0) / 1e3;
  const us = (cpu.user + cpu.system) / iterations;
  console.log(
    `${label.padEnd(42)} ${us.toFixed(2).padStart(8)} µs CPU/op  (${(wall / iterations).toFixed(2)} µs wall, ${iterations} ops)`,
  );
  return us;
}

for (const [file, n] of [
  ['tikz-620.json', 200_000],
  ['tikz-10k.json', 20_000],
]) {
  const make = input(file);
  const sample = make();
  const r = engine.inspect(sample);
  if (r.deny || r.matches.length > 0) throw new Error(`${file} is not clean: ${JSON.stringify(r.matches)}`);
  const code = sample.fields[0].value;
  console.log(`\n${file}: body ${sample.body.length} B, tikz_code ${code.length} chars`);
  const parse = measure('(JSON.parse + request object alone)', () => make(), n);
  const hit = measure('repeated body (clean-text memory hit)', () => engine.inspect(make()), n);
  let k = 0;
  // A diagram never seen before (a new trailing comment each time), with the usual headers remembered.
  const novelText = (i) => sample.text.replace(/"\s*}\s*$/, `% ${i}"}`);
  const parseNovel = measure('(JSON.parse of a new body alone)', () => make(JSON.parse(novelText(k++)).tikz_code), n);
  const novel = measure(
    'new diagram, same headers',
    () => engine.inspect(make(JSON.parse(novelText(k++)).tikz_code)),
    n,
  );
  const miss = measure('new diagram, memory off', () => fresh.inspect(make(JSON.parse(novelText(k++)).tikz_code)), n);
  console.log(
    `  => signatures: ${(hit - parse).toFixed(2)} µs repeated body, ${(novel - parseNovel).toFixed(2)} µs new diagram, ` +
      `${(miss - parseNovel).toFixed(2)} µs with the memory off (JSON.parse subtracted)`,
  );
  measure('  of which: tex normaliser', () => texNormalise(code), n);
  measure('  of which: web targets (no code field)', () => fresh.inspect({ ...make(), fields: [] }), n);
}

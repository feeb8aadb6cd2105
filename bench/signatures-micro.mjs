// Micro-benchmark of the signatures check alone (not a test): CPU per request for the bench's 620-byte and
// 10 KB TikZ bodies, with the shipped rules and the default config, plus the TeX normaliser on its own.
// Run after `npm run build`:  node bench/signatures-micro.mjs [--runs 5] [--only 620|10k] [--quick]
// Each figure is the median over --runs runs of process.cpuUsage() per operation (the machine is shared and
// noisy: medians, not single runs). Takes the machine-wide bench lock like bench/run.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { underBenchLock } from './lib/lock.mjs';

await underBenchLock('signatures-micro', main);

async function main() {
  const { values: o } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  const runs = Math.max(1, Number(o.runs));
  const scale = o.quick ? 0.1 : 1;
  const { signaturesConfigSchema } = await import('../dist/signatures/config.js');
  const { loadSignatureEngine } = await import('../dist/signatures/build.js');
  const { texNormalise } = await import('../dist/signatures/transforms/tex.js');

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

  /** CPU µs per call of fn over `iterations` calls (after a warm-up). */
  function once(fn, iterations) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const cpu = process.cpuUsage(t0);
    return (cpu.user + cpu.system) / iterations;
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  const cases = [
    ['tikz-620.json', Math.round(200_000 * scale)],
    ['tikz-10k.json', Math.round(20_000 * scale)],
  ].filter(([f]) => o.only === undefined || f.includes(o.only));
  const summary = [];
  for (const [file, n] of cases) {
    const make = input(file);
    const sample = make();
    const r = engine.inspect(sample);
    if (r.deny || r.matches.length > 0) throw new Error(`${file} is not clean: ${JSON.stringify(r.matches)}`);
    const code = sample.fields[0].value;
    let k = 0;
    // A diagram never seen before (a new trailing comment each time), with the usual headers remembered.
    const novelText = (i) => sample.text.replace(/"\s*}\s*$/, `% ${i}"}`);
    const ops = {
      parse: () => make(),
      hit: () => engine.inspect(make()),
      parseNovel: () => make(JSON.parse(novelText(k++)).tikz_code),
      novel: () => engine.inspect(make(JSON.parse(novelText(k++)).tikz_code)),
      miss: () => fresh.inspect(make(JSON.parse(novelText(k++)).tikz_code)),
      tex: () => texNormalise(code),
      web: () => fresh.inspect({ ...make(), fields: [] }),
    };
    for (const fn of Object.values(ops)) for (let i = 0; i < Math.min(20_000, n); i++) fn(); // warm-up (JIT)
    const per = Object.fromEntries(Object.keys(ops).map((key) => [key, []]));
    const derived = { repeated: [], novel: [], off: [], web: [] };
    for (let run = 0; run < runs; run++) {
      const m = {};
      for (const [key, fn] of Object.entries(ops)) {
        m[key] = once(fn, n);
        per[key].push(m[key]);
      }
      derived.repeated.push(m.hit - m.parse);
      derived.novel.push(m.novel - m.parseNovel);
      derived.off.push(m.miss - m.parseNovel);
      derived.web.push(m.web - m.parse);
    }
    console.log(`\n${file}: body ${sample.body.length} B, tikz_code ${code.length} chars; ${runs} runs x ${n} ops`);
    const labels = {
      parse: '(JSON.parse + request object alone)',
      hit: 'repeated body (clean-text memory hit)',
      parseNovel: '(JSON.parse of a new body alone)',
      novel: 'new diagram, same headers',
      miss: 'new diagram, memory off',
      tex: '  of which: tex normaliser',
      web: '  of which: web targets (no code field)',
    };
    const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    for (const [key, label] of Object.entries(labels)) {
      console.log(`${label.padEnd(42)} ${median(per[key]).toFixed(2).padStart(8)} µs CPU/op (runs ${range(per[key])})`);
    }
    const line =
      `=> signatures (JSON.parse subtracted, medians): ${median(derived.repeated).toFixed(2)} µs repeated body, ` +
      `${median(derived.novel).toFixed(2)} µs new diagram, ${median(derived.off).toFixed(2)} µs memory off ` +
      `(memory off runs ${range(derived.off)}); web targets alone ${median(derived.web).toFixed(2)} µs`;
    console.log(line);
    summary.push(`${file}: ${line}`);
  }
  if (summary.length > 1) console.log(`\n${summary.join('\n')}`);
}

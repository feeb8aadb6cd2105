// What reading a never-seen code field costs at the least (not a test): CPU per request, for the bench's 620-byte
// and 10 KB diagrams, of the steps no TeX-aware signature check in this process can skip, beside the whole check.
// Each op gets a text it never saw (a distinct string per op, made before timing, as a request brings one), so
// the figures include reading it from memory, as a gateway does.
//   JSON.parse         what the body phase pays before any check (the foundation's own row has it)
//   bare loop          one JavaScript pass that only classifies every character (backslash, comment, other)
//   one regex replace  one native pass folding whitespace (V8's regex engine, no JavaScript per character)
//   normaliser         the TeX normaliser the rules read (transforms/tex.ts): comments, spaces, names, aliases
//   utf8 bytes         the normalised text as the bytes RE2 reads
//   one RE2 pass       the group's combined prefilter once over those bytes (every rule's entry in one automaton)
//   inspect            the whole signatures check (engine.inspect, clean-text memory off)
// Run after `npm run build`:  node bench/signatures-floor.mjs [--runs 5] [--only 620|10k]
// Medians over --runs runs of process.cpuUsage() per op. Takes the machine-wide bench lock like bench/run.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { underBenchLock } from './lib/lock.mjs';

await underBenchLock('signatures-floor', main);

async function main() {
  const { values: o } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, only: { type: 'string' } },
  });
  const runs = Math.max(1, Number(o.runs));
  const { signaturesConfigSchema } = await import('../dist/signatures/config.js');
  const { loadSignatureEngine } = await import('../dist/signatures/build.js');
  const { texNormalise } = await import('../dist/signatures/transforms/tex.js');
  const here = dirname(fileURLToPath(import.meta.url));
  const engine = loadSignatureEngine(
    signaturesConfigSchema.parse({ clean_cache_entries: 0 }),
    ['compile'],
    join(here, '..'),
  );
  // The compile route's code group (the `tex` chain): its combined prefilter is one RE2 of every rule's entry.
  const group = engine.profile('compile').rules.code[0];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  for (const [file, n] of [
    ['tikz-620.json', 20_000],
    ['tikz-10k.json', 2_000],
  ].filter(([f]) => o.only === undefined || f.includes(o.only))) {
    const raw = readFileSync(join(here, 'bodies', file), 'utf8');
    const bodies = Array.from({ length: n }, (_, i) => raw.replace(/"\s*}\s*$/, `% ${i}"}`));
    const codes = bodies.map((b) => JSON.parse(b).tikz_code);
    const normalised = codes.map((c) => texNormalise(c));
    const bytes = normalised.map((t) => Buffer.from(t));
    const headers = { host: 'localhost', 'content-type': 'application/json', 'user-agent': 'gateway-bench/1' };
    const request = (code) => ({
      route: 'compile',
      tier: 'anonymous',
      path: '/compile',
      query: '',
      headers,
      fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }],
      body: Buffer.alloc(0),
      text: '',
    });
    const ops = {
      'JSON.parse': (i) => JSON.parse(bodies[i]),
      'bare loop': (i) => {
        const t = codes[i];
        let k = 0;
        for (let j = 0; j < t.length; j++) {
          const c = t.charCodeAt(j);
          if (c === 92) k++;
          else if (c === 37) k += 2;
        }
        return k;
      },
      'one regex replace': (i) => codes[i].replace(/\s{2,}|[\t\r\n]/g, ' '),
      normaliser: (i) => texNormalise(codes[i]),
      'utf8 bytes': (i) => Buffer.from(normalised[i]),
      'one RE2 pass': (i) => group.prefilter.test(bytes[i]),
      inspect: (i) => engine.inspect(request(codes[i])),
    };
    // Each op reads every text once per run; the texts are distinct strings, so none is warm from the last op.
    const once = (fn) => {
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) fn(i);
      const c = process.cpuUsage(t0);
      return (c.user + c.system) / n;
    };
    for (const fn of Object.values(ops)) once(fn); // warm-up (JIT)
    const per = Object.fromEntries(Object.keys(ops).map((k) => [k, []]));
    for (let r = 0; r < runs; r++) for (const [k, fn] of Object.entries(ops)) per[k].push(once(fn));
    console.log(
      `\n${file}: tikz_code ${codes[0].length} chars, normalised ${normalised[0].length}; ${runs} runs x ${n} texts`,
    );
    for (const [k, xs] of Object.entries(per)) {
      const range = `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
      console.log(`${k.padEnd(20)} ${median(xs).toFixed(2).padStart(8)} µs CPU/op (runs ${range})`);
    }
  }
}

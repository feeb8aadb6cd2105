// Micro-benchmark of the compile-cost estimate alone (not a test): CPU per request for the bench's 620-byte
// and 10 KB TikZ bodies, estimateFields as the cost check calls it (default_bound 1000): a new diagram each
// time and the same diagram again (the estimate keeps no memory: one tried cost a new diagram twice as much).
// Run after `npm run build`:  node bench/cost-micro.mjs [--runs 5] [--quick]
// Each figure is the median over --runs runs of process.cpuUsage() per operation; every operation parses the
// body anew (a new string, as a request brings), and the JSON.parse alone is measured and subtracted.
// Takes the machine-wide bench lock like bench/run.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { underBenchLock } from './lib/lock.mjs';

await underBenchLock('cost-micro', main);

async function main() {
  const { values: o } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, quick: { type: 'boolean', default: false } },
  });
  const runs = Math.max(1, Number(o.runs));
  const scale = o.quick ? 0.1 : 1;
  const { estimateFields } = await import('../dist/cost/estimate.js');
  const here = dirname(fileURLToPath(import.meta.url));
  const options = { defaultBound: 1000 };
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  function once(fn, n) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const c = process.cpuUsage(t0);
    return (c.user + c.system) / n;
  }
  for (const [file, n] of [
    ['tikz-620.json', Math.round(300_000 * scale)],
    ['tikz-10k.json', Math.round(30_000 * scale)],
  ]) {
    const text = readFileSync(join(here, 'bodies', file), 'utf8');
    const fields = (body = text) => [
      { name: 'tikz_code', path: 'tikz_code', value: JSON.parse(body).tikz_code, code: true },
    ];
    // a diagram never seen before: a new trailing comment each time
    let k = 0;
    const novel = () => text.replace(/"\s*}\s*$/, `% ${k++}"}`);
    const ops = {
      parse: () => fields(),
      repeated: () => estimateFields(fields(), options),
      parseNovel: () => fields(novel()),
      novel: () => estimateFields(fields(novel()), options),
    };
    for (const fn of Object.values(ops)) for (let i = 0; i < Math.min(50_000, n); i++) fn();
    const rep = [];
    const nov = [];
    for (let r = 0; r < runs; r++) {
      rep.push(once(ops.repeated, n) - once(ops.parse, n));
      nov.push(once(ops.novel, n) - once(ops.parseNovel, n));
    }
    const sample = estimateFields(fields(), options);
    const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    console.log(
      `${file}: ${JSON.parse(text).tikz_code.length} chars, ${sample.units} units; estimate (JSON.parse subtracted, ` +
        `medians of ${runs}): new diagram ${median(nov).toFixed(2)} µs CPU/op (runs ${range(nov)}), ` +
        `repeated diagram ${median(rep).toFixed(2)} µs (runs ${range(rep)})`,
    );
  }
}

// Micro-benchmark of the compile-cost estimate alone (not a test): CPU per request for the bench's 620-byte
// and 10 KB TikZ bodies, estimateFields as the cost check calls it (default_bound 1000): a new diagram each
// time and the same diagram again (the estimate keeps no memory: one tried cost a new diagram twice as much).
// Run after `npm run build`:  node bench/cost-micro.mjs [--runs 5] [--quick] [--against DIR]
// Each figure is the median over --runs runs of process.cpuUsage() per operation; every operation parses the
// body anew (a new string, as a request brings), and the JSON.parse alone is measured and subtracted.
// `--against DIR` compares this build with another (a worktree of another commit, built) in one process at a
// time: both loaded, batches of the two alternated, the order flipped each round (20 rounds, the parse measured
// around each pair), the median ratio this build ÷ that one, which the noise of a shared machine does not hide as
// it hides a few per cent between separate runs. The build loaded second ran up to 3% slower than the one loaded
// first (an A/A of two copies), so it runs twice, in two processes, each build loaded first once, and prints the
// geometric mean of the two ratios with each (bench/lib/both-orders.mjs). `--against dist` is the A/A row: this
// build against a copy of itself under .bench/ (the same folder would give the same module instances).
// Takes the machine-wide bench lock like bench/run.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { againstBothOrders } from './lib/both-orders.mjs';
import { underBenchLock } from './lib/lock.mjs';

const OPTIONS = { defaultBound: 1000 };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** CPU µs per call of fn, over n calls. */
function cpuPer(fn, n) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(t0);
  return (c.user + c.system) / n;
}
/** The body's code field as the cost check receives it, parsed anew (a new string, as a request brings). */
const fieldsOf = (body) => [{ name: 'tikz_code', path: 'tikz_code', value: JSON.parse(body).tikz_code, code: true }];
/** The body with a new trailing comment: a diagram never seen before. */
const withComment = (body, k) => body.replace(/"\s*}\s*$/, `% ${k}"}`);

await underBenchLock('cost-micro', main);

async function main() {
  const { values: o } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      quick: { type: 'boolean', default: false },
      against: { type: 'string' },
      // internal: one process of --against, the two builds in this load order; prints JSON
      pair: { type: 'string', multiple: true },
    },
  });
  const runs = Math.max(1, Number(o.runs));
  const scale = o.quick ? 0.1 : 1;
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = resolve(here, '..', 'dist');
  if (o.pair !== undefined) {
    const [first, second] = await Promise.all(o.pair.map(estimateOf));
    return console.log(JSON.stringify(against(first, second, here, scale)));
  }
  if (o.against !== undefined)
    return againstBothOrders({
      script: import.meta.url,
      dist,
      other: resolve(o.against),
      probe: join('cost', 'estimate.js'),
      pairArgs: (first, second) => ['--pair', first, '--pair', second, ...(o.quick ? ['--quick'] : [])],
      digits: 2,
    });
  const { estimateFields } = await import('../dist/cost/estimate.js');
  for (const [file, n] of [
    ['tikz-620.json', Math.round(300_000 * scale)],
    ['tikz-10k.json', Math.round(30_000 * scale)],
  ]) {
    const text = readFileSync(join(here, 'bodies', file), 'utf8');
    let k = 0;
    const novel = () => withComment(text, k++);
    const ops = {
      parse: () => fieldsOf(text),
      repeated: () => estimateFields(fieldsOf(text), OPTIONS),
      parseNovel: () => fieldsOf(novel()),
      novel: () => estimateFields(fieldsOf(novel()), OPTIONS),
    };
    for (const fn of Object.values(ops)) for (let i = 0; i < Math.min(50_000, n); i++) fn();
    const rep = [];
    const nov = [];
    for (let r = 0; r < runs; r++) {
      rep.push(cpuPer(ops.repeated, n) - cpuPer(ops.parse, n));
      nov.push(cpuPer(ops.novel, n) - cpuPer(ops.parseNovel, n));
    }
    const sample = estimateFields(fieldsOf(text), OPTIONS);
    const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    console.log(
      `${file}: ${JSON.parse(text).tikz_code.length} chars, ${sample.units} units; estimate (JSON.parse subtracted, ` +
        `medians of ${runs}): new diagram ${median(nov).toFixed(2)} µs CPU/op (runs ${range(nov)}), ` +
        `repeated diagram ${median(rep).toFixed(2)} µs (runs ${range(rep)})`,
    );
  }
}

/** estimateFields of the build in `dir` (a dist folder). */
async function estimateOf(dir) {
  return (await import(pathToFileURL(join(dir, 'cost', 'estimate.js')).href)).estimateFields;
}

/**
 * Two builds loaded in this order, batches alternated in one process: per kind of diagram, the median CPU µs of
 * each and the median ratio first ÷ second.
 */
function against(first, second, here, scale) {
  const text = readFileSync(join(here, 'bodies', 'tikz-620.json'), 'utf8');
  let k = 0;
  // the same three diagrams as above: the bench's as it is, a new trailing comment, and (as the yardstick's
  // VARY=1 makes one) a new node before the picture's end
  const kinds = {
    'repeated diagram': () => text,
    'new diagram (a trailing comment)': () => withComment(text, k++),
    'new diagram (the yardstick VARY=1 node)': () =>
      text.replace(
        '\\\\end{tikzpicture}',
        `\\\\node at (0,0) {${10_000_000 + (k++ % 90_000_000)}};\\n\\\\end{tikzpicture}`,
      ),
  };
  const n = Math.max(1000, Math.round(40_000 * scale));
  const once = (fn) => cpuPer(fn, n);
  const out = [];
  for (const [label, make] of Object.entries(kinds)) {
    const parse = () => fieldsOf(make());
    const a = () => first(fieldsOf(make()), OPTIONS);
    const b = () => second(fieldsOf(make()), OPTIONS);
    if (a().units !== b().units) throw new Error(`the two builds disagree on ${label}`);
    for (const fn of [parse, a, b]) for (let i = 0; i < 30_000; i++) fn();
    const us = [[], []];
    const ratios = [];
    for (let r = 0; r < 20; r++) {
      const p0 = once(parse);
      const pair = r % 2 === 0 ? [once(a), once(b)] : [once(b), once(a)].reverse();
      const p = (p0 + once(parse)) / 2;
      us[0].push(pair[0] - p);
      us[1].push(pair[1] - p);
      ratios.push((pair[0] - p) / (pair[1] - p));
    }
    out.push({ label, first: median(us[0]), second: median(us[1]), ratio: median(ratios) });
  }
  return out;
}

// Micro-benchmark of the CRS engine alone (not a test): CPU per evaluation of the CRS bench row's request (the
// compile request with three short non-code fields, title / caption / options, and the bench client's five
// headers), at paranoia 1 and 2, each with a title never seen before; the same with the client's headers never
// seen before either (what the engine keeps of values across requests, crs/memo.ts, then serves the path, the
// method and the other fields only); with the title repeated, as npm run bench and the yardstick send it (their
// VARY changes the diagram only); and an empty request (what the rule set costs before it reads any value).
// Run after `npm run build`:  node bench/crs-micro.mjs [--runs 5] [--dist DIR] [--crs DIR] [--quick]
// `--dist` times another build (e.g. a worktree of the commit before, built) the same way: run both, interleaved.
// `--against DIR` loads a second build into the same process and alternates batches of the two (20 rounds of 400
// evaluations per row, the order flipped each round): the median ratio this build ÷ that one, which the noise of
// a shared machine does not hide as it hides a few per cent between separate runs. A build loaded second can run
// a few per cent slower than the same code loaded first (bench/cost-micro.mjs measured up to 3%), so it runs
// twice, in two processes, each build loaded first once, and prints the geometric mean of the two ratios with
// each (bench/lib/both-orders.mjs). `--against dist` is an A/A: this build against a copy of itself under
// .bench/ (where its packages resolve), since the same folder would give the same modules.
// Each figure is the median over --runs runs of process.cpuUsage() per evaluation. Takes the bench lock.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { againstBothOrders } from './lib/both-orders.mjs';
import { underBenchLock } from './lib/lock.mjs';

await underBenchLock('crs-micro', main);

async function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  const { values: o } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      dist: { type: 'string', default: join(here, '..', 'dist') },
      crs: { type: 'string', default: join(here, '..', '..', 'shared', 'crs-v4.28.0') },
      quick: { type: 'boolean', default: false },
      against: { type: 'string' },
      // internal: one process of --against (this load order), its rows printed as JSON
      pair: { type: 'boolean', default: false },
    },
  });
  const runs = Math.max(1, Number(o.runs));
  const n = o.quick ? 1000 : 10_000;
  const dist = resolve(o.dist);
  if (o.against !== undefined && !o.pair)
    return againstBothOrders({
      script: import.meta.url,
      dist,
      other: resolve(o.against),
      probe: join('crs', 'engine.js'),
      pairArgs: (first, second) => [
        ...['--dist', first, '--against', second, '--pair', '--crs', o.crs],
        ...(o.quick ? ['--quick'] : []),
      ],
      digits: 1,
    });
  const { loadCrs } = await import(join(dist, 'crs/load.js'));
  const { evaluate } = await import(join(dist, 'crs/engine.js'));
  const other = o.against === undefined ? null : resolve(o.against);
  const otherEngine =
    other === null
      ? null
      : {
          loadCrs: (await import(join(other, 'crs/load.js'))).loadCrs,
          evaluate: (await import(join(other, 'crs/engine.js'))).evaluate,
        };
  const e = (key, value) => ({ key, lkey: key.toLowerCase(), value });
  // What crs/input.ts builds for bench/bodies/tikz-620-fields-vary.json sent by bench/load.mjs.
  // `cold`: Host, Accept, User-Agent and Content-Length new too (a client never seen: nothing the engine kept of
  // them applies; the Content-Type stays valid, or CRS would refuse it).
  // `same`: the title of the bench's body as it is (npm run bench and the yardstick vary only the diagram): every
  // value the engine reads is one it kept.
  const request = (k, empty, cold = false, same = false) => ({
    method: 'POST',
    uri: '/compile',
    filename: '/compile',
    basename: 'compile',
    protocol: 'HTTP/1.1',
    queryString: '',
    body: '',
    bodyLength: 712,
    bodyProcessor: 'JSON',
    remoteAddr: '127.0.0.1',
    uniqueId: `bench-${k}`,
    argsGet: [],
    argsPost: empty
      ? []
      : [
          e('title', `Parabola and secant, figure ${String(same ? 0 : k).padStart(8, '0')}`),
          e('caption', 'The graph of f(x) = x^2/5 and the line g through the origin; P lies on both.'),
          e('options', 'scale=1.2, font=small'),
        ],
    headers: empty
      ? []
      : [
          e('host', cold ? `h${k}.localhost` : 'localhost'),
          e('content-type', 'application/json'),
          e('accept', cold ? `image/svg+xml;q=0.${k}` : 'image/svg+xml'),
          e('user-agent', cold ? `portcullis-bench/1 (autocannon) ${k}` : 'portcullis-bench/1 (autocannon)'),
          e('content-length', cold ? String(k) : '712'),
        ],
    cookies: [],
    xml: [],
    files: [],
    partHeaders: [],
  });
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  let k = 0;
  if (otherEngine !== null) {
    const batch = (run, size, cold, same) => {
      const inputs = Array.from({ length: size }, () => request(k++, false, cold, same));
      const t0 = process.cpuUsage();
      for (const i of inputs) run(i);
      const c = process.cpuUsage(t0);
      return (c.user + c.system) / size;
    };
    const rows = [];
    for (const [label, empty, cold, same] of [
      ['bench request, PL1', false, false, false],
      ['bench request, new client headers, PL1', false, true, false],
      ['bench request, title repeated as the bench sends it, PL1', false, false, true],
      ['empty request, PL1', true, false, false],
    ]) {
      const options = { dir: o.crs, paranoia_level: 1, anomaly_threshold: 5 };
      const a = loadCrs(options).program;
      const b = otherEngine.loadCrs(options).program;
      const mine = (i) => evaluate(a, empty ? request(0, true) : i);
      const theirs = (i) => otherEngine.evaluate(b, empty ? request(0, true) : i);
      for (let w = 0; w < 6; w++) {
        batch(mine, 500, cold, same);
        batch(theirs, 500, cold, same);
      }
      const ratios = [];
      const us = [[], []];
      for (let r = 0; r < 20; r++) {
        const pair =
          r % 2 === 0
            ? [batch(mine, 400, cold, same), batch(theirs, 400, cold, same)]
            : [batch(theirs, 400, cold, same), batch(mine, 400, cold, same)].reverse();
        us[0].push(pair[0]);
        us[1].push(pair[1]);
        ratios.push(pair[0] / pair[1]);
      }
      rows.push({ label, first: median(us[0]), second: median(us[1]), ratio: median(ratios) });
    }
    console.log(JSON.stringify(rows));
    return;
  }
  for (const [label, pl, empty, cold, same] of [
    ['bench request, PL1', 1, false, false, false],
    ['bench request, new client headers, PL1', 1, false, true, false],
    ['bench request, title repeated as the bench sends it, PL1', 1, false, false, true],
    ['bench request, PL2', 2, false, false, false],
    ['empty request, PL1', 1, true, false, false],
  ]) {
    const { program } = loadCrs({ dir: o.crs, paranoia_level: pl, anomaly_threshold: 5 });
    // Inputs made apart from the timed loop, none used twice: the engine keeps what it learnt of values across
    // requests (crs/memo.ts), and a title seen before would be a title it knows.
    const fresh = (count) => Array.from({ length: count }, () => request(k++, empty, cold, same));
    for (const i of fresh(3000)) evaluate(program, i);
    const per = [];
    for (let r = 0; r < runs; r++) {
      const inputs = fresh(n);
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) evaluate(program, inputs[i]);
      const c = process.cpuUsage(t0);
      per.push((c.user + c.system) / n);
    }
    const m = evaluate(program, request(k++, empty, cold, same)).matches.map((x) => x.id);
    console.log(
      `${label}: ${median(per).toFixed(1)} µs CPU/evaluation (median of ${runs}, runs ` +
        `${Math.min(...per).toFixed(1)}-${Math.max(...per).toFixed(1)}), matches [${m.join(', ')}]`,
    );
  }
}

#!/usr/bin/env node
// @ts-check
/* global fetch */
// Calibrates the compile-cost estimate (src/cost/) against the reference compile service: compiles a sample of
// the PGF manual's code examples and every resource-exhaustion vector (test/vectors/cost/dos/*.tex), records
// the compile CPU ms the service reports for each, and writes them with the estimate of each to
// data/cost-calibration.json; then prints Spearman's rho between estimate and CPU, the fitted seconds model
// (seconds = base_s * (1 + units)^exponent, least squares on logs) and the largest misses.
//
//   npm run build && bash scripts/fetch-pgf-manual.sh && \
//     node scripts/cost-calibrate.mjs [--manual 110] [--timeout-ms 20000] [--concurrency 2]
//
// Bounded: at most --manual examples (chosen deterministically: the 30 the estimate rates highest, and the
// rest evenly spread over the others in the manual's order), a per-compile timeout (a time-out counts as at
// least the timeout), and the service's concurrency. CI never runs this: test/unit/cost/calibration.test.ts
// checks the current estimate against the data file.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { importTs, manualOrder } from './select-pgf-compilable.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'data/cost-calibration.json');
const DOS = join(REPO, 'test/vectors/cost/dos');
const DEFAULT_BOUND = 1000;

/** Ranks with ties averaged. @param {number[]} xs */
function ranks(xs) {
  const idx = xs.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array(xs.length).fill(0);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rho: Pearson's correlation of the ranks. @param {number[]} a @param {number[]} b */
export function spearman(a, b) {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** Least squares of log(seconds) on log(1 + units): seconds = base_s * (1 + units)^exponent. */
function fit(points) {
  const xs = points.map((p) => Math.log(1 + p.units));
  const ys = points.map((p) => Math.log(Math.max(1, p.cpu_ms) / 1000));
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const exponent = sxx === 0 ? 0 : sxy / sxx;
  return { base_s: Math.exp(my - exponent * mx), exponent };
}

async function main() {
  const { values } = parseArgs({
    options: {
      manual: { type: 'string', default: '110' },
      'timeout-ms': { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '2' },
    },
    strict: true,
  });
  const MANUAL = Number(values.manual);
  const TIMEOUT = Number(values['timeout-ms']);
  const CONC = Number(values.concurrency);
  const { estimateText } = await import(pathToFileURL(join(REPO, 'dist/cost/estimate.js')).href);
  const { CONSTRUCTS } = await import(pathToFileURL(join(REPO, 'dist/cost/constructs.js')).href);
  const est = (/** @type {string} */ text) => {
    const r = estimateText(text, { defaultBound: DEFAULT_BOUND });
    let top = 'paths';
    let best = -1;
    r.totals.forEach((/** @type {number} */ v, /** @type {number} */ k) => {
      if (v > best) [best, top] = [v, CONSTRUCTS[k]];
    });
    return { units: r.units, construct: top };
  };
  const tmp = mkdtempSync(join(tmpdir(), 'cost-calibrate-'));
  try {
    const corpus = await importTs('test/corpus/pgf-manual.ts', tmp);
    const { EXCLUDED } = await importTs('test/corpus/pgf-manual-excluded.ts', tmp);
    const dir = corpus.pgfManualDir();
    if (!corpus.hasPgfManual(dir))
      throw new Error(`PGF manual corpus missing in ${dir}: bash scripts/fetch-pgf-manual.sh`);
    /** @type {{ id: string; text: string }[]} */
    const all = manualOrder(corpus.loadPgfManual(dir), dir).filter(
      (/** @type {{id: string}} */ s) => !Object.hasOwn(EXCLUDED, s.id),
    );
    const rated = all.map((s) => ({ ...s, ...est(s.text) }));
    const byUnits = [...rated].sort((a, b) => b.units - a.units);
    const chosen = new Set(byUnits.slice(0, 30).map((s) => s.id));
    const rest = rated.filter((s) => !chosen.has(s.id));
    const stride = rest.length / Math.max(1, MANUAL - chosen.size);
    for (let k = 0; chosen.size < MANUAL && Math.floor(k * stride) < rest.length; k++)
      chosen.add(rest[Math.floor(k * stride)].id);
    const jobs = [
      ...rated.filter((s) => chosen.has(s.id)).map((s) => ({ kind: 'manual', id: s.id, text: s.text })),
      ...readdirSync(DOS)
        .filter((f) => f.endsWith('.tex'))
        .sort()
        .map((f) => ({ kind: 'dos', id: f, text: readFileSync(join(DOS, f), 'utf8') })),
    ];
    const { startCompileService } = await import(pathToFileURL(join(REPO, 'examples/compile-service/server.mjs')).href);
    const svc = await startCompileService({
      host: '127.0.0.1',
      port: 0,
      concurrency: CONC,
      timeoutMs: TIMEOUT,
      cpuSeconds: Math.ceil(TIMEOUT / 1000),
    });
    const t0 = Date.now();
    /** @type {any[]} */
    const results = new Array(jobs.length);
    let next = 0;
    async function worker() {
      while (next < jobs.length) {
        const i = next++;
        const j = jobs[i];
        const res = await fetch(`${svc.url}/compile`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tikz_code: j.text }),
        });
        await res.arrayBuffer();
        const outcome = res.headers.get('x-compile-outcome') ?? `http_${res.status}`;
        const cpu = Number(res.headers.get('x-compile-cpu-ms'));
        const wall = Number(res.headers.get('x-compile-wall-ms'));
        const e = est(j.text);
        results[i] = {
          kind: j.kind,
          id: j.id,
          sha256: createHash('sha256').update(j.text, 'utf8').digest('hex').slice(0, 16),
          outcome,
          // a time-out is at least the timeout, whatever CPU the killed job had used
          cpu_ms: outcome === 'timeout' ? Math.max(cpu, TIMEOUT) : cpu,
          wall_ms: wall,
          units: e.units,
          construct: e.construct,
        };
        const done = results.filter(Boolean).length;
        if (done % 10 === 0 || j.kind === 'dos')
          console.error(
            `  ${done}/${jobs.length} ${j.id} ${outcome} ${cpu} ms (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
          );
      }
    }
    try {
      await Promise.all(Array.from({ length: CONC }, worker));
    } finally {
      await svc.close();
    }
    const measured = results.filter((r) => r.outcome === 'ok' || r.outcome === 'timeout' || r.outcome === 'memory');
    const rho = spearman(
      measured.map((r) => r.units),
      measured.map((r) => r.cpu_ms),
    );
    const model = fit(measured);
    const predict = (/** @type {number} */ u) => model.base_s * Math.pow(1 + u, model.exponent);
    const misses = measured
      .map((r) => ({
        id: r.id,
        construct: r.construct,
        units: r.units,
        cpu_ms: r.cpu_ms,
        predicted_ms: Math.round(1000 * predict(r.units)),
        ratio: r.cpu_ms / Math.max(1, 1000 * predict(r.units)),
      }))
      .sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio)))
      .slice(0, 12);
    const first = (/** @type {string} */ cmd, /** @type {string[]} */ args) =>
      (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0]?.trim() ?? '';
    const doc = {
      about:
        'Compile CPU time of PGF manual examples and of the resource-exhaustion vectors (test/vectors/cost/dos) ' +
        'on the reference compile service, with the cost estimate of each at the time of measuring. ' +
        'cpu_ms of a time-out is the timeout (at least). test/unit/cost/calibration.test.ts checks the current ' +
        'estimate against these figures (rank correlation, every time-out refused).',
      command: `node scripts/cost-calibrate.mjs --manual ${MANUAL} --timeout-ms ${TIMEOUT} --concurrency ${CONC}`,
      regenerate: 'npm run build && bash scripts/fetch-pgf-manual.sh && node scripts/cost-calibrate.mjs',
      corpus: readFileSync(join(dir, 'SOURCE'), 'utf8').trim(),
      tex: first('latex', ['--version']),
      dvisvgm: first('dvisvgm', ['--version']),
      timeout_ms: TIMEOUT,
      default_bound: DEFAULT_BOUND,
      measured_at: new Date().toISOString().slice(0, 10),
      spearman_rho: Math.round(rho * 1000) / 1000,
      rho_over: measured.length,
      model: { base_s: Number(model.base_s.toPrecision(4)), exponent: Number(model.exponent.toPrecision(4)) },
      misses,
      results,
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(doc, null, 1)}\n`);
    console.error(
      `rho ${doc.spearman_rho} over ${measured.length} (ok, time-out, memory) of ${results.length}; model ${JSON.stringify(doc.model)}; ` +
        `${((Date.now() - t0) / 1000).toFixed(0)} s; wrote ${OUT}`,
    );
    for (const m of misses)
      console.error(`  miss ${m.id} ${m.construct} units ${m.units} cpu ${m.cpu_ms} ms predicted ${m.predicted_ms} ms`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

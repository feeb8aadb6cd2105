#!/usr/bin/env node
// @ts-check
// `npm run replay`: issue 13's replay (bench/replay/replay.mjs) through the built gateway (dist/) and the reference
// compile service on real TeX (examples/compile-service), in enforce mode then monitor mode; prints per attacker
// when it was first refused or tightened against its bound, and the monitor/enforce comparison. Exit 1 when a
// bound or the comparison fails, or a compile did not come to what the script expects (a real TeX error, a
// time-out).
//
//   npm run build && npm run replay                        # the full mix on real TeX (several minutes)
//   npm run replay -- --anonymous 3 --authenticated 2 --fresh 10 --per-user 10   # a shorter mix
//   npm run replay -- --sim                                # the scripted compile service (seconds; what the test uses)
//   npm run replay -- --sim --model                        # with the isolation forest scoring (behaviour.model)
//
// Needs the PGF manual corpus (scripts/fetch-pgf-manual.sh) for the well-behaved diagrams, and for real TeX
// latex, dvisvgm, TikZ and standalone (scripts/install-test-deps.sh).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { importTs } from './select-pgf-compilable.mjs';
import {
  compare,
  configYaml,
  play,
  report,
  scenario,
  scriptedOutcomes,
  startScriptedCompileService,
  summarise,
  incidentsOf,
  incidentsReport,
} from '../bench/replay/replay.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (/** @type {string} */ rel) => readFileSync(join(REPO, rel), 'utf8');

const { values } = parseArgs({
  options: {
    sim: { type: 'boolean', default: false },
    model: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'both' },
    'timeout-ms': { type: 'string', default: '5000' },
    anonymous: { type: 'string', default: '6' },
    authenticated: { type: 'string', default: '3' },
    fresh: { type: 'string', default: '25' },
    'per-user': { type: 'string', default: '20' },
    seed: { type: 'string', default: '13' },
    json: { type: 'string' },
  },
  strict: true,
});
const num = (/** @type {string | undefined} */ v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected a whole number, got ${v}`);
  return n;
};
if (!['both', 'enforce', 'monitor'].includes(values.mode ?? ''))
  throw new RangeError('--mode: both, enforce or monitor');

const dist = (/** @type {string} */ rel) => {
  const file = join(REPO, 'dist', rel);
  if (!existsSync(file)) {
    console.error(`${file} missing: run npm run build first`);
    process.exit(2);
  }
  return import(pathToFileURL(file).href);
};
const { startGateway } = await dist('runtime.js');
const { createMemorySink } = await dist('telemetry/events.js');
const { createLogger } = await dist('telemetry/logger.js');
const { FakeClock } = await dist('core/clock.js');

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-replay-'));
try {
  // the well-behaved diagrams: the 50 PGF manual examples the end-to-end test compiles (checked by hash)
  const corpus = await importTs('test/corpus/pgf-manual.ts', tmp);
  const dir =
    process.env.PGF_MANUAL_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'portcullis', 'pgf-manual');
  if (!corpus.hasPgfManual(dir)) {
    console.error(`PGF manual corpus missing in ${dir}: run bash scripts/fetch-pgf-manual.sh`);
    process.exit(2);
  }
  /** @type {Map<string, string>} */
  const byId = new Map(corpus.loadPgfManual(dir).map((/** @type {{id: string; text: string}} */ s) => [s.id, s.text]));
  /** @type {{ selected: { id: string; sha256: string }[] }} */
  const selection = JSON.parse(read('test/vectors/pgf-compilable-50.json'));
  const diagrams = selection.selected
    .map((s) => byId.get(s.id) ?? '')
    .filter((t, i) => createHash('sha256').update(t, 'utf8').digest('hex') === selection.selected[i]?.sha256);
  if (diagrams.length !== selection.selected.length) {
    console.error('the corpus does not match test/vectors/pgf-compilable-50.json (see its "regenerate")');
    process.exit(2);
  }
  const schedule = scenario({
    diagrams,
    exhaust: read('test/vectors/cost/dos/foreach-nested-literal.tex'),
    rotate: read('test/vectors/cost/dos/plot-samples-repeated.tex'),
    seed: num(values.seed),
    anonymous: num(values.anonymous),
    authenticated: num(values.authenticated),
    fresh: num(values.fresh),
    perUser: num(values['per-user']),
  });

  /** @type {{ url: string; close(): Promise<void> }} */
  let svc;
  const timeoutMs = num(values['timeout-ms']);
  if (values.sim) {
    /** @type {{ times: { cpu_ms: number }[] }} */
    const measured = JSON.parse(read('test/vectors/compile-times-pgf50.json'));
    svc = await startScriptedCompileService({
      outcomes: scriptedOutcomes(schedule),
      times: measured.times.map((t) => t.cpu_ms),
      scale: 0.01,
    });
  } else {
    const ok = (/** @type {string} */ cmd, /** @type {string[]} */ args) =>
      spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
    if (!(ok('latex', ['--version']) && ok('dvisvgm', ['--version']) && ok('kpsewhich', ['tikz.sty']))) {
      console.error('latex, dvisvgm or TikZ not found: bash scripts/install-test-deps.sh, or npm run replay -- --sim');
      process.exit(2);
    }
    const { startCompileService } = await import('../examples/compile-service/server.mjs');
    svc = await startCompileService({ host: '127.0.0.1', port: 0, timeoutMs, concurrency: 2 });
  }
  console.error(
    `replay: ${schedule.length} requests per mode, compile service: ${values.sim ? 'scripted (--sim)' : `reference, real TeX, time-out ${timeoutMs} ms`}`,
  );

  /** @param {'enforce' | 'monitor'} mode */
  const run = async (mode) => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const audit = join(tmp, `audit-${mode}.log`);
    const file = join(tmp, `gateway-${mode}.yaml`);
    writeFileSync(file, configYaml(svc.url, mode, audit, values.model ? 'monitor' : 'off'));
    const events = createMemorySink();
    const gw = await startGateway({
      configFile: file,
      env: {},
      logger: createLogger('silent'),
      events,
      watch: false,
      defaultMetrics: false,
      probeUpstream: false,
      clock,
    });
    const started = Date.now();
    try {
      const results = await play({ url: gw.url, events: events.events }, clock, t0, schedule, audit, (done, total) => {
        if (done % 50 === 0 || done === total) process.stderr.write(`  ${mode}: ${done}/${total}\r`);
      });
      process.stderr.write(`\n  ${mode}: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      return { results, summary: summarise(results), incidents: await incidentsOf(gw, schedule, t0) };
    } finally {
      await gw.close(1000);
    }
  };

  try {
    const enforce = values.mode === 'monitor' ? null : await run('enforce');
    const monitor = values.mode === 'enforce' ? null : await run('monitor');
    const main = enforce ?? monitor;
    if (main === null) throw new Error('nothing ran');
    const cmp = enforce !== null && monitor !== null ? compare(enforce.summary, monitor.summary) : null;
    console.log(report(main.summary, monitor === null || enforce === null ? null : monitor.summary, cmp));
    console.log(incidentsReport(main.incidents));
    // real TeX: the scripted outcomes must be what the compiles came to (failing TeX failed, exhausting TeX timed out)
    const expectedMissed = main.results.filter(
      (r) => r.expect !== undefined && r.outcome !== null && r.outcome !== r.expect,
    );
    if (expectedMissed.length !== 0)
      console.log(
        `compiles that did not come to what the script expects: ${expectedMissed.map((r) => `${r.actor}#${r.n}=${r.outcome}`).join(', ')}`,
      );
    if (values.json !== undefined)
      writeFileSync(
        values.json,
        JSON.stringify({ enforce: enforce?.summary, monitor: monitor?.summary, compare: cmp }, null, 2),
      );
    const s = main.summary;
    const met =
      Object.values(s.attackers).every((a) => a.met) &&
      s.wellBehaved.share < 0.01 &&
      s.wellBehaved.newRefused === 0 &&
      expectedMissed.length === 0 &&
      (cmp === null || cmp.ok);
    process.exitCode = met ? 0 : 1;
  } finally {
    await svc.close();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// npm run bench: one run, everything on loopback, rounds interleaved — direct, a bare undici proxy, the gateway
// row(s), and an A/A row (a second bare proxy) that shows the run's noise. Load on one CPU, servers on the other.
// Prints a Markdown table (medians over rounds, ratios to the bare proxy within each round) and writes the raw
// runs as JSON under .bench/. See docs/operations.md ("Benchmarks") for how to read it.
// --base REF adds the gateway built from commit REF (rows NAME@base) and a verdict per gateway row; --reject
// measures refusals instead: the gateway beside a bare node:http server (bench/bare-server.mjs) that answers 200,
// and beside the refusal floor (bench/refusal-floor.mjs: node:http writing the gateway's 404 and nothing else).
import { mkdirSync, writeFileSync, existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { underBenchLock } from './lib/lock.mjs';
import {
  ROOT,
  NODE_FLAGS,
  startProcess,
  stopAll,
  sanity,
  treePids,
  cpuCount,
  clockTicks,
  trimLog,
} from './lib/procs.mjs';
import * as measuring from './lib/measure.mjs';
import { summarise, markdown } from './lib/report.mjs';
import { readOptions, USAGE } from './lib/options.mjs';
import { prepareBase, removeBase, stopBuild } from './lib/worktree.mjs';

if (process.argv.includes('--help')) await main();
else await underBenchLock('bench', main);

async function main() {
  const { o, cfg, bodies, requests, gateways, base, rowHeaders, sharedPids } = readOptions(process.argv.slice(2));
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const dist = join(ROOT, 'dist', 'main.js');
  if (!existsSync(dist)) throw new Error('dist/main.js missing: npm run build first');

  const pinned = cpuCount() >= 2;
  const lg = pinned ? ['taskset', '-c', o['loadgen-cpu']] : [];
  const srv = pinned ? ['taskset', '-c', o['server-cpu']] : [];
  if (!pinned) console.error('bench: fewer than 2 CPUs, running unpinned (figures are less stable)');

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, '.bench', `run-${stamp}`);
  mkdirSync(outDir, { recursive: true });

  let stopping = false;
  const bail = async (code) => {
    if (stopping) return;
    stopping = true;
    measuring.current?.kill('SIGTERM');
    await stopBuild();
    await stopAll();
    removeBase();
    process.exit(code);
  };
  process.on('SIGINT', () => void bail(130));
  process.on('SIGTERM', () => void bail(143));

  try {
    staleBuildWarning(dist);
    // --base: the other commit's gateway, built before anything is measured (under the bench lock: a build is
    // load too).
    const baseBuild = base === null ? null : await prepareBase(base, outDir, (m) => console.error(`bench: ${m}`));
    const reject = o.reject === true;
    const bareName = reject ? 'bare-node' : 'bare-undici';

    // ---- every round starts every target afresh (idle targets cost nothing while another is measured): one
    // process of two identical bare proxies ran 15 % slower than the other through a whole run, in every round,
    // so a process's own luck (where its heap and code landed) must vary between rounds like everything else.
    const startTargets = async () => {
      const svgEnv = o.svg === undefined ? {} : { SVG_FILE: o.svg }; // --svg: the answer every row gets
      const upstream = await startProcess('upstream', [...srv, 'node', 'bench/upstream.mjs'], svgEnv, outDir);
      const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
      const targets = [];
      if (!o['no-direct'] && !reject) targets.push({ name: 'direct', kind: 'direct', port: upstream.port, pid: null });
      const bareEnv = { UPSTREAM_URL: upstreamUrl };
      const bare = [...srv, 'node', ...NODE_FLAGS, reject ? 'bench/bare-server.mjs' : 'bench/bare-proxy.mjs'];
      targets.push({ name: bareName, kind: 'bare', ...(await startProcess(bareName, bare, bareEnv, outDir)) });
      if (reject && !o['no-floor']) {
        // The refusal floor: node:http answering the first gateway's 404 as the gateway writes it, nothing else.
        const floor = [...srv, 'node', ...NODE_FLAGS, 'bench/refusal-floor.mjs'];
        const env = { ...bareEnv, FLOOR_CONFIG: gateways[0].file };
        targets.push({
          name: 'refusal-floor',
          kind: 'floor',
          ...(await startProcess('refusal-floor', floor, env, outDir)),
        });
      }
      for (const g of gateways) {
        const env = { UPSTREAM_URL: upstreamUrl, ADMIN_PORT: '0', LOG_LEVEL: 'warn' };
        const cmd = [...srv, 'node', ...NODE_FLAGS, dist, 'start', '--config', g.file];
        const proc = await startProcess(g.name, cmd, env, outDir, 'GATEWAY_PORT');
        targets.push({ name: g.name, kind: 'gateway', config: g.file, vsBase: baseBuild && `${g.name}@base`, ...proc });
        if (baseBuild) {
          // The base commit's gateway, run in its own tree (so the config's relative paths, rules/ and feeds,
          // are the base's), with the same config file, or with the base's own version of it (--base-own-config).
          const name = `${g.name}@base`;
          const baseConfig = o['base-own-config'] ? join(baseBuild.dir, g.inTree) : g.file;
          if (!existsSync(baseConfig)) throw new Error(`--base-own-config: ${g.inTree} is not in ${base}`);
          const baseCmd = [
            ...srv,
            'node',
            ...NODE_FLAGS,
            join(baseBuild.dir, 'dist', 'main.js'),
            'start',
            '--config',
            baseConfig,
          ];
          const bp = await startProcess(name, baseCmd, env, outDir, 'GATEWAY_PORT', { cwd: baseBuild.dir });
          targets.push({ name, kind: 'gateway', config: baseConfig, ...bp });
        }
      }
      if (!o['no-aa'])
        targets.push({
          name: `${bareName}-aa`,
          kind: 'aa',
          ...(await startProcess(`${bareName}-aa`, bare, bareEnv, outDir)),
        });
      return { upstream, targets };
    };

    // A row per target and request (NAME@LABEL when there are several: bodies, or --reject's requests),
    // compared with the bare row of the same request. A gateway row expects the request's status (200, or
    // --reject's refusal), every other row 200. Whether a row answers so is asked in the first round.
    const at = (name, q) => (requests.length > 1 ? `${name}@${q.label}` : name);
    const rowsOf = (targets) =>
      requests.flatMap((q) =>
        targets.map((t) => ({
          ...t,
          name: at(t.name, q),
          of: t.name,
          request: q,
          expect: t.kind === 'gateway' ? q.expect : t.kind === 'floor' ? 404 : 200,
          bare: at(bareName, q),
          vsBase: t.vsBase ? at(t.vsBase, q) : undefined,
        })),
      );
    let { upstream, targets } = await startTargets();
    const rows = rowsOf(targets);
    for (const t of rows) {
      const extra = rowHeaders.get(t.of) ?? {};
      t.sanity = await sanity(t.port, t.request, extra);
      t.ok = t.sanity.status === t.expect;
      const sent = Object.keys(extra);
      console.error(
        `bench: ${t.name} on :${t.port}${t.pid ? ` (pid ${t.pid})` : ''}: sanity ${t.sanity.status} ${t.sanity.type}` +
          (sent.length ? ` (with ${sent.join(', ')})` : '') +
          (t.sanity.policy ? `; RateLimit-Policy: ${t.sanity.policy}` : '') +
          (t.sanity.close ? '; closes the connection' : ''),
      );
      if (!t.ok)
        console.error(`bench: ${t.name} does not answer ${t.expect} to the bench request: not benched (see ${outDir})`);
    }

    // ---- rounds: each measures every target once, so drifts of the shared machine hit all alike. The order
    // turns by one each round: a run's position (first after a pause, or right after the most expensive row)
    // moved the same bare proxy's CPU per request by 5-12 us in fixed order (bare first, its A/A twin last); with
    // as many rounds as rows (targets x bodies) each row runs once in every position, with fewer none keeps one.
    const runs = [];
    const hz = clockTicks();
    const okNames = new Set(rows.filter((x) => x.ok).map((x) => x.name));
    for (let r = 1; r <= cfg.rounds; r++) {
      console.error(`bench: round ${r}/${cfg.rounds}`);
      if (r > 1) {
        await stopAll();
        ({ upstream, targets } = await startTargets());
      }
      const live = rowsOf(targets).filter((x) => okNames.has(x.name));
      const order = live.map((_, i) => live[(i + r - 1) % live.length]);
      for (const t of order) {
        const others = targets.filter((x) => x.pid && x.pid !== t.pid).flatMap((x) => treePids(x.pid));
        const groups = {
          proxy: t.pid ? treePids(t.pid) : [],
          upstream: [upstream.pid],
          idle: others,
          shared: sharedPids,
        };
        const run = await measuring.measure({
          ...cfg,
          body: t.request.file,
          method: t.request.method,
          contentType: t.request.contentType,
          expect: t.expect,
          url: `http://127.0.0.1:${t.port}${t.request.path}`,
          headers: rowHeaders.get(t.of) ?? {},
          groups,
          lg,
          hz,
          label: `${t.name} r${r}`,
        });
        runs.push({ target: t.name, round: r, ...run });
        if (t.kind === 'gateway') trimLog(t.log); // a security event per refused request (--reject)
      }
    }

    await stopAll();
    const summary = summarise(rows, runs);
    const header = {
      when: new Date().toISOString(),
      node: process.version,
      nodeFlags: NODE_FLAGS.join(' '),
      bodies: bodies.map((b) => ({ file: b.arg, bytes: b.bytes, vary: cfg.vary })),
      reject: o.reject === true,
      requests: requests.map(({ label, what, method, path, contentType, bytes, expect, goal }) => ({
        ...{ label, what, method, path, contentType, bytes, expect, goal },
      })),
      base: baseBuild && {
        ...{ ref: baseBuild.ref, commit: baseBuild.commit, deps: baseBuild.deps },
        ownConfig: o['base-own-config'] === true,
      },
      rounds: cfg.rounds,
      duration_s: cfg.duration,
      warmup_s: cfg.warmup,
      connections: cfg.connections,
      pinning: pinned ? `loadgen CPU ${o['loadgen-cpu']}, upstream + proxies CPU ${o['server-cpu']}` : 'none',
      gateways,
      // Header names only: the values (bench fixtures) stay out of the results.
      row_headers: Object.fromEntries([...rowHeaders].map(([row, h]) => [row, Object.keys(h)])),
    };
    let md = markdown(header, summary);
    if (rowHeaders.size > 0)
      md = md.replace(
        /\n\n\| target/,
        `\n- request headers added per row: ${[...rowHeaders]
          .map(([row, h]) => `${row}: ${Object.keys(h).join(', ')}`)
          .join('; ')}\n\n| target`,
      );
    writeFileSync(join(outDir, 'results.json'), JSON.stringify({ header, targets: rows, runs, summary }, null, 2));
    writeFileSync(join(outDir, 'results.md'), md);
    console.log(md);
    console.error(`bench: raw runs in ${outDir}/results.json`);
    const failed = summary.versusBase.filter((v) => v.verdict === 'FAIL');
    if (failed.length > 0) console.error(`bench: slower than the base: ${failed.map((v) => v.target).join(', ')}`);
    process.exitCode = summary.invalid.length > 0 ? 2 : failed.length > 0 ? 3 : 0;
  } catch (e) {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
    removeBase();
  }
}

/** Warns when a source file is newer than dist/main.js: the working tree's rows would measure an older build. */
function staleBuildWarning(dist) {
  const built = statSync(dist).mtimeMs;
  const newer = readdirSync(join(ROOT, 'src'), { recursive: true }).find(
    (f) => f.endsWith('.ts') && statSync(join(ROOT, 'src', f)).mtimeMs > built,
  );
  if (newer)
    console.error(`bench: src/${newer} is newer than dist/: npm run build first, or rows measure the old build`);
}

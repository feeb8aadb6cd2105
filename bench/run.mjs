// npm run bench: one run, everything on loopback, rounds interleaved — direct, a bare undici proxy, the gateway
// row(s), and an A/A row (a second bare proxy) that shows the run's noise. Load on one CPU, servers on the other.
// Prints a Markdown table (medians over rounds, ratios to the bare proxy within each round) and writes the raw
// runs as JSON under .bench/. See docs/operations.md ("Benchmarks") for how to read it.
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { underBenchLock } from './lib/lock.mjs';
import { ROOT, NODE_FLAGS, startProcess, stopAll, sanity, treePids, cpuCount, clockTicks } from './lib/procs.mjs';
import * as measuring from './lib/measure.mjs';
import { summarise, markdown } from './lib/report.mjs';

const USAGE = `usage: npm run bench -- [options]
  --rounds N            measured rounds, each runs every target once (default 5, at least 5 unless --quick)
  --duration S          measured seconds per run (default 10)     --warmup S   warm-up seconds per run (default 3)
  --connections N       autocannon connections (default 50)
  --body FILE           JSON body to POST to /compile (default bench/bodies/tikz-620.json); repeatable: every
                        target is then measured with each body in every round (rows NAME@BODY, each compared
                        with the bare proxy on the same body)
  --vary-body           every request a different body of the same size: FILE's placeholder 00000000 becomes
                        a request number (bench/bodies/*-vary.json; so the gateway's clean-text memory misses)
  --gateway NAME=FILE   a gateway row: node $NODE_FLAGS dist/main.js start --config FILE (repeatable; default
                        gateway=bench/gateway.bench.yaml). The config reads GATEWAY_PORT, ADMIN_PORT, UPSTREAM_URL.
  --header ROW:NAME=VALUE  send header NAME: VALUE with every request to row ROW (a --gateway NAME, or
                        bare-undici, direct, bare-undici-aa), e.g. apikey:x-api-key=... or "jwt:authorization=Bearer ...";
                        repeatable. Rows without --header send the usual headers.
  --shared-pid PID      a process the gateways share (e.g. a redis-server you started, pinned with taskset -c 1):
                        ours, not noise; its CPU per request is listed under the table (repeatable)
  --no-direct --no-aa   leave out the direct row / the A/A row
  --loadgen-cpu N       CPU for the load generator (default 0)   --server-cpu N   for upstream and proxies (default 1)
  --quiet-wait S        before each run wait up to S s for the machine to be quiet (default 30)
  --noise-max PCT       redo a run during which others used more than PCT % of all CPUs (default 10), up to
  --retries N           N times (default 2); the last try is kept
  --quick               allow fewer than 5 rounds (smoke runs; figures are not for reading)`;

if (process.argv.includes('--help')) await main();
else await underBenchLock('bench', main);

async function main() {
  const { values: o } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      body: { type: 'string', multiple: true, default: ['bench/bodies/tikz-620.json'] },
      'vary-body': { type: 'boolean', default: false },
      gateway: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      'shared-pid': { type: 'string', multiple: true },
      'no-direct': { type: 'boolean', default: false },
      'no-aa': { type: 'boolean', default: false },
      'loadgen-cpu': { type: 'string', default: '0' },
      'server-cpu': { type: 'string', default: '1' },
      'quiet-wait': { type: 'string', default: '30' },
      'quiet-max-busy': { type: 'string', default: '15' },
      'noise-max': { type: 'string', default: '10' },
      retries: { type: 'string', default: '2' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (k) => {
    const v = Number(o[k]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${k}: not a number: ${o[k]}`);
    return v;
  };
  const cfg = {
    rounds: num('rounds'),
    duration: num('duration'),
    warmup: num('warmup'),
    connections: num('connections'),
    quietWait: num('quiet-wait'),
    quietMaxBusy: num('quiet-max-busy'),
    noiseMax: num('noise-max'),
    retries: num('retries'),
    vary: o['vary-body'],
  };
  if (cfg.rounds < 5 && !o.quick) throw new Error('--rounds: at least 5 (use --quick for a smoke run)');
  const bodies = o.body.map((arg) => {
    const file = resolve(arg);
    if (!existsSync(file)) throw new Error(`--body: no such file ${arg}`);
    if (cfg.vary && !readFileSync(file, 'latin1').includes('00000000'))
      throw new Error(`--vary-body: ${arg} holds no placeholder 00000000 (see bench/make-bodies.mjs)`);
    return { arg, file, bytes: statSync(file).size, label: basename(file).replace(/\.json$/, '') };
  });
  if (new Set(bodies.map((b) => b.label)).size !== bodies.length) throw new Error('--body: the same file twice');
  const dist = join(ROOT, 'dist', 'main.js');
  if (!existsSync(dist)) throw new Error('dist/main.js missing: npm run build first');

  const pinned = cpuCount() >= 2;
  const lg = pinned ? ['taskset', '-c', o['loadgen-cpu']] : [];
  const srv = pinned ? ['taskset', '-c', o['server-cpu']] : [];
  if (!pinned) console.error('bench: fewer than 2 CPUs, running unpinned (figures are less stable)');

  const gateways = (o.gateway ?? ['gateway=bench/gateway.bench.yaml']).map((g) => {
    const eq = g.indexOf('=');
    if (eq < 1) throw new Error(`--gateway ${g}: expected NAME=config.yaml`);
    const [name, file] = [g.slice(0, eq), resolve(g.slice(eq + 1))];
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`--gateway ${g}: NAME is [A-Za-z0-9_.-]+`);
    if (!existsSync(file)) throw new Error(`--gateway ${g}: no such file`);
    return { name, file };
  });
  const rowHeaders = parseHeaders(o.header ?? [], [
    ...gateways.map((g) => g.name),
    ...(o['no-direct'] ? [] : ['direct']),
    'bare-undici',
    ...(o['no-aa'] ? [] : ['bare-undici-aa']),
  ]);
  const sharedPids = (o['shared-pid'] ?? []).map(Number);
  for (const p of sharedPids) if (!existsSync(`/proc/${p}`)) throw new Error(`--shared-pid ${p}: not running`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, '.bench', `run-${stamp}`);
  mkdirSync(outDir, { recursive: true });

  let stopping = false;
  const bail = async (code) => {
    if (stopping) return;
    stopping = true;
    measuring.current?.kill('SIGTERM');
    await stopAll();
    process.exit(code);
  };
  process.on('SIGINT', () => void bail(130));
  process.on('SIGTERM', () => void bail(143));

  try {
    // ---- every round starts every target afresh (idle targets cost nothing while another is measured): one
    // process of two identical bare proxies ran 15 % slower than the other through a whole run, in every round,
    // so a process's own luck (where its heap and code landed) must vary between rounds like everything else.
    const startTargets = async () => {
      const upstream = await startProcess('upstream', [...srv, 'node', 'bench/upstream.mjs'], {}, outDir);
      const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
      const targets = [];
      if (!o['no-direct']) targets.push({ name: 'direct', kind: 'direct', port: upstream.port, pid: null });
      const bareEnv = { UPSTREAM_URL: upstreamUrl };
      const bare = [...srv, 'node', ...NODE_FLAGS, 'bench/bare-proxy.mjs'];
      targets.push({
        name: 'bare-undici',
        kind: 'bare',
        ...(await startProcess('bare-undici', bare, bareEnv, outDir)),
      });
      for (const g of gateways) {
        const env = { UPSTREAM_URL: upstreamUrl, ADMIN_PORT: '0', LOG_LEVEL: 'warn' };
        const cmd = [...srv, 'node', ...NODE_FLAGS, dist, 'start', '--config', g.file];
        const proc = await startProcess(g.name, cmd, env, outDir, 'GATEWAY_PORT');
        targets.push({ name: g.name, kind: 'gateway', config: g.file, ...proc });
      }
      if (!o['no-aa'])
        targets.push({
          name: 'bare-undici-aa',
          kind: 'aa',
          ...(await startProcess('bare-undici-aa', bare, bareEnv, outDir)),
        });
      return { upstream, targets };
    };

    // A row per target and body (NAME@BODY when there are several bodies), compared with the bare proxy's
    // row of the same body. Whether a row answers the bench request is asked in the first round.
    const at = (name, b) => (bodies.length > 1 ? `${name}@${b.label}` : name);
    const rowsOf = (targets) =>
      bodies.flatMap((b) =>
        targets.map((t) => ({ ...t, name: at(t.name, b), base: t.name, body: b, bare: at('bare-undici', b) })),
      );
    let { upstream, targets } = await startTargets();
    const rows = rowsOf(targets);
    for (const t of rows) {
      const extra = rowHeaders.get(t.base) ?? {};
      t.sanity = await sanity(t.port, t.body.file, extra);
      t.ok = t.sanity.status === 200;
      const sent = Object.keys(extra);
      console.error(
        `bench: ${t.name} on :${t.port}${t.pid ? ` (pid ${t.pid})` : ''}: sanity ${t.sanity.status} ${t.sanity.type}` +
          (sent.length ? ` (with ${sent.join(', ')})` : '') +
          (t.sanity.policy ? `; RateLimit-Policy: ${t.sanity.policy}` : ''),
      );
      if (!t.ok)
        console.error(`bench: ${t.name} does not answer 200 to the bench request: not benched (see ${outDir})`);
    }

    // ---- rounds: each measures every target once, so drifts of the shared machine hit all alike. The order
    // turns by one each round: a run's position (first after a pause, or right after the most expensive row)
    // moved the same bare proxy's CPU per request by 5-12 us in fixed order (bare first, its A/A twin last), so
    // with as many rounds as targets each target runs once in every position.
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
          body: t.body.file,
          url: `http://127.0.0.1:${t.port}/compile`,
          headers: rowHeaders.get(t.base) ?? {},
          groups,
          lg,
          hz,
          label: `${t.name} r${r}`,
        });
        runs.push({ target: t.name, round: r, ...run });
      }
    }

    await stopAll();
    const summary = summarise(rows, runs);
    const header = {
      when: new Date().toISOString(),
      node: process.version,
      nodeFlags: NODE_FLAGS.join(' '),
      bodies: bodies.map((b) => ({ file: b.arg, bytes: b.bytes, vary: cfg.vary })),
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
    process.exitCode = summary.invalid.length > 0 ? 2 : 0;
  } catch (e) {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

/**
 * --header ROW:NAME=VALUE options to Map(row -> {name: value}). Names are lower-cased HTTP tokens; the bench's
 * own headers (host, body framing) cannot be replaced, so every row still sends the same request otherwise.
 */
function parseHeaders(specs, rows) {
  const out = new Map();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const eq = spec.indexOf('=', colon + 1);
    if (colon < 1 || eq < colon + 2) throw new Error(`--header ${spec}: expected ROW:Header-Name=value`);
    const row = spec.slice(0, colon);
    const name = spec.slice(colon + 1, eq).toLowerCase();
    const value = spec.slice(eq + 1);
    if (!rows.includes(row)) throw new Error(`--header ${spec}: no row ${row} (rows: ${rows.join(', ')})`);
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new Error(`--header ${spec}: not a header name: ${name}`);
    if (['host', 'content-type', 'content-length', 'transfer-encoding', 'connection'].includes(name))
      throw new Error(`--header ${spec}: ${name} is the bench's own`);
    if (/[\r\n\0]/.test(value)) throw new Error(`--header ${spec}: the value holds a line break or NUL`);
    if (!out.has(row)) out.set(row, {});
    out.get(row)[name] = value;
  }
  return out;
}

// Where the gateway's CPU goes under bench load: runs it under `node --cpu-prof` (pinned like the bench) in
// front of the bench upstream, loads it, stops it, and prints the top functions by self time and by total
// (inclusive) time, with file:line and % of the profile, then each check's and each module's µs per request.
// The .cpuprofile stays under .bench/ for DevTools.
// Usage: npm run build && node bench/profile.mjs [--config bench/gateway.bench.yaml] [--seconds 15] [--top 30]
//        [--body FILE] [--vary-body]   (--vary-body: as npm run bench's, a different body on every request)
//        [--reject LABEL]   (one of npm run bench --reject's refused requests instead: post-415, get-404...)
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { ROOT, NODE_FLAGS, startProcess, stopAll, cpuCount } from './lib/procs.mjs';
import { REJECT_REQUESTS } from './lib/options.mjs';

const { values: o } = parseArgs({
  options: {
    config: { type: 'string', default: 'bench/gateway.bench.yaml' },
    seconds: { type: 'string', default: '15' },
    top: { type: 'string', default: '30' },
    body: { type: 'string', default: 'bench/bodies/tikz-620.json' },
    bare: { type: 'boolean', default: false },
    'vary-body': { type: 'boolean', default: false },
    reject: { type: 'string' },
  },
});
const reject = o.reject === undefined ? null : REJECT_REQUESTS.find((r) => r.label === o.reject);
if (reject === undefined) throw new Error(`--reject: one of ${REJECT_REQUESTS.map((r) => r.label).join(', ')}`);
const pinned = cpuCount() >= 2;
const srv = pinned ? ['taskset', '-c', '1'] : [];
const lg = pinned ? ['taskset', '-c', '0'] : [];
const outDir = join(ROOT, '.bench', `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(outDir, { recursive: true });

let answered = 0; // requests answered while profiled (warm-up included): the per-request figures' divisor
try {
  const up = await startProcess('upstream', [...srv, 'node', 'bench/upstream.mjs'], {}, outDir);
  // --bare: the same profile of the bare undici proxy, to tell the gateway's own costs from proxying's.
  const prof = ['node', ...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${outDir}`];
  const gwCmd = o.bare
    ? [...srv, ...prof, 'bench/bare-proxy.mjs']
    : [...srv, ...prof, 'dist/main.js', 'start', '--config', resolve(o.config)];
  const env = { UPSTREAM_URL: `http://127.0.0.1:${up.port}`, ADMIN_PORT: '0', LOG_LEVEL: 'warn' };
  const gw = await startProcess(o.bare ? 'bare' : 'gateway', gwCmd, env, outDir, o.bare ? 'PORT' : 'GATEWAY_PORT');
  const spec = {
    url: `http://127.0.0.1:${gw.port}${reject?.path ?? '/compile'}`,
    body: reject === null ? resolve(o.body) : reject.body && resolve(reject.body),
    ...(reject === null ? {} : { method: reject.method, contentType: reject.contentType }),
    connections: 50,
    warmup_s: 2,
    duration_s: Number(o.seconds),
    groups: { proxy: [gw.pid] },
    vary: o['vary-body'],
  };
  const cmd = [...lg, 'node', 'bench/load.mjs', JSON.stringify(spec)];
  const load = spawn(cmd[0], cmd.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  load.stdout.on('data', (d) => (out += d));
  await new Promise((r) => load.once('exit', r));
  const r = JSON.parse(out.trim().split('\n').pop());
  answered = r.requests + r.warmup_requests;
  console.log(`load: ${r.rps.toFixed(0)} req/s, ${r.non2xx} non-2xx, ${r.errors} errors (profiling slows the gateway)`);
} finally {
  await stopAll(); // SIGTERM: the gateway drains, exits, and node writes the profile
}

const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${outDir} (did the gateway exit cleanly?)`);
const profile = JSON.parse(readFileSync(join(outDir, file), 'utf8'));

// Self time per node from the samples; inclusive time by walking each node's parents.
const byId = new Map(profile.nodes.map((n) => [n.id, { ...n, self: 0 }]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) byId.get(profile.samples[i]).self += dt[i] ?? 0;
// Percentages are of CPU time: the (idle) samples (waiting in epoll) are left out.
const idle = [...byId.values()].filter((n) => n.callFrame.functionName === '(idle)').reduce((a, n) => a + n.self, 0);
const total = [...byId.values()].reduce((a, n) => a + n.self, 0) - idle;
for (const n of byId.values()) if (n.callFrame.functionName === '(idle)') n.self = 0;
const where = (cf) => {
  const url = cf.url.startsWith('file://') ? relative(ROOT, cf.url.slice(7)) : cf.url || '(native)';
  return `${url}:${cf.lineNumber + 1}`;
};
const key = (cf) => `${cf.functionName || '(anonymous)'}  ${where(cf)}`;
const self = new Map();
const incl = new Map();
for (const n of byId.values()) {
  self.set(key(n.callFrame), (self.get(key(n.callFrame)) ?? 0) + n.self);
  // inclusive: add this node's self time to every distinct function on its stack
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const k = key(byId.get(id).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + n.self);
  }
}
const top = Number(o.top);
const show = (title, m) => {
  console.log(`\n${title} (% of ${(total / 1e6).toFixed(1)} s on CPU; ${(idle / 1e6).toFixed(1)} s idle left out)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((v * 100) / total).toFixed(1).padStart(5)}%  ${k}`);
};
// Self time by where the code lives: the gateway's own files, each dependency, Node's internals, native.
const byFile = new Map();
for (const n of byId.values()) {
  const u = n.callFrame.url;
  const f = u.startsWith('file://')
    ? relative(ROOT, u.slice(7)).replace(/^node_modules\/((@[^/]+\/)?[^/]+).*$/, 'node_modules/$1')
    : u.startsWith('node:')
      ? 'node: internals'
      : n.callFrame.functionName.startsWith('(')
        ? n.callFrame.functionName
        : u || '(native)';
  byFile.set(f, (byFile.get(f) ?? 0) + n.self);
}
show('self time by file', byFile);

// Each module's cost per request: for every gateway check (dist/checks/NAME.js), the time of the samples with
// one of its functions on the stack (what it calls included: the store, RE2, the TeX reader); for every other
// folder of dist/, its self time. Divided by the requests answered while profiled (warm-up included; start-up
// is in config/ and the like, and the profiler itself adds a few per cent).
const DIST = `file://${join(ROOT, 'dist')}/`; // the gateway's own code (not a dependency's dist/)
const checkOf = (cf) => {
  const m = cf.url.startsWith(DIST) ? /^checks\/([^/]+)\.js$/.exec(cf.url.slice(DIST.length)) : null;
  return m === null ? null : m[1];
};
const byCheck = new Map();
for (const n of byId.values()) {
  if (n.self === 0) continue;
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const c = checkOf(byId.get(id).callFrame);
    if (c !== null && !seen.has(c)) {
      seen.add(c);
      byCheck.set(c, (byCheck.get(c) ?? 0) + n.self);
    }
  }
}
const byFolder = new Map();
for (const n of byId.values()) {
  const u = n.callFrame.url;
  const m = u.startsWith(DIST) ? /^([^/]+)\//.exec(u.slice(DIST.length)) : null;
  if (m !== null && m[1] !== 'checks') byFolder.set(m[1], (byFolder.get(m[1]) ?? 0) + n.self);
}
const perRequest = (title, m) => {
  console.log(`\n${title} (µs per request over ${answered} requests; % of CPU)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(v / Math.max(1, answered)).toFixed(1).padStart(7)} µs ${((v * 100) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
};
console.log(`\ngateway on CPU: ${(total / Math.max(1, answered)).toFixed(1)} µs per request (profiled)`);
perRequest('each check, with what it calls (dist/checks/NAME.js on the stack)', byCheck);
perRequest('self time by folder of dist/ (checks/ left out: above)', byFolder);
show('self time', self);
show('total time (function and what it calls)', incl);
console.log(`\nprofile: ${join(outDir, file)}`);

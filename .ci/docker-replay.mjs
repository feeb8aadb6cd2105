// Replays the Dockerfile without a Docker engine: every stage in its own temp folder, its RUN lines run there
// under Node 22 (run this through scripts/node22.sh), its COPY lines copied, then the runtime stage's CMD
// started as an unprivileged user in front of a small upstream, its HEALTHCHECK run, one request sent through,
// and SIGTERM sent (it must drain and exit 0). Reads the Dockerfile itself, so it cannot drift from it.
//
//   bash scripts/node22.sh node .ci/docker-replay.mjs [--keep]
//
// What it cannot show: the base image's own contents (Debian bookworm-slim with Node 22 in /usr/local, which
// is mapped to the Node 22 that scripts/node22.sh brings: same layout, bin/ and include/node); apt-get lines
// are not run, the tools they install (python3, make, g++) must be on this machine.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const say = (s) => console.log(`docker-replay: ${s}`);
const fail = (s) => {
  console.error(`docker-replay: FAILED: ${s}`);
  process.exit(1);
};

const nodeHome = process.env.NODE22_HOME;
if (!nodeHome || !process.version.startsWith('v22.'))
  fail('run me through scripts/node22.sh (Node 22 and its headers)');

// ---------------------------------------------------------------- parse
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const lines = text
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const args = {};
const stages = [];
let stage = null;
for (const line of lines) {
  const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? fail(`cannot read: ${line}`);
  const sub = (s) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? stage?.env[a ?? b] ?? '');
  switch (op.toUpperCase()) {
    case 'ARG': {
      const [k, v = ''] = rest.split('=');
      args[k] = v;
      break;
    }
    case 'FROM': {
      const [image, , name] = sub(rest).split(/\s+/);
      stage = { name: name ?? `stage${stages.length}`, image, steps: [], env: {}, workdir: '/', user: 'root' };
      stages.push(stage);
      break;
    }
    case 'HEALTHCHECK': {
      const cmd = /CMD\s+(\[.*\])$/.exec(rest) ?? fail('HEALTHCHECK without an exec-form CMD');
      stage.healthcheck = JSON.parse(cmd[1]);
      break;
    }
    case 'CMD':
      if (!rest.startsWith('[')) fail('CMD is not in exec form: node would not be PID 1 and miss SIGTERM');
      stage.cmd = JSON.parse(rest);
      break;
    case 'ENV':
      for (const m of rest.matchAll(/(\w+)=(\S+)/g)) stage.env[m[1]] = m[2];
      stage.steps.push({ op: 'ENV', rest });
      break;
    default:
      stage.steps.push({ op: op.toUpperCase(), rest: sub(rest) });
  }
}
const runtime = stages.at(-1);
for (const s of stages) if (!/^node:22[.-]/.test(s.image)) fail(`${s.name} is FROM ${s.image}, not Node 22`);
say(`stages: ${stages.map((s) => `${s.name} (${s.image})`).join(', ')}`);

// ---------------------------------------------------------------- context rules (.dockerignore)
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const globRe = (g) => new RegExp('^' + g.replace(/[.+^$()|{}]/g, '\\$&').replace(/\*/g, '[^/]*') + '(/|$)');
const isIgnored = (p) => ignored.some((g) => globRe(g.replace(/^\/+/, '')).test(p.replace(/^\.\//, '')));

// ---------------------------------------------------------------- replay
const work = mkdtempSync(join(tmpdir(), 'portcullis-docker-'));
chmodSync(work, 0o755); // the unprivileged user must reach the runtime stage's files
const rootOf = (s) => join(work, s.name);
// Absolute paths inside a stage live under its folder; the image's Node prefix is the Node 22 we run on.
const inStage = (s, p) => (p === '/usr/local' ? nodeHome : join(rootOf(s), p.startsWith('/') ? p : join(s.workdir, p)));

function copy(s, rest) {
  const parts = rest.split(/\s+/);
  let from = null;
  while (parts[0].startsWith('--')) {
    const flag = parts.shift();
    if (flag.startsWith('--from=')) from = stages.find((x) => x.name === flag.slice(7)) ?? fail(`no stage ${flag}`);
  }
  const dst = parts.pop();
  for (const src of parts) {
    let source;
    if (from) source = inStage(from, src);
    else {
      if (isIgnored(src)) fail(`COPY ${src}: excluded by .dockerignore`);
      source = join(ROOT, src);
    }
    if (!existsSync(source)) fail(`COPY ${src}: not found (${source})`);
    const toDir = dst.endsWith('/') || parts.length > 1 || dst === '.';
    const target = statSync(source).isDirectory() || !toDir ? inStage(s, dst) : join(inStage(s, dst), basename(src));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target, { recursive: true, verbatimSymlinks: true, filter: (p) => !/\/\.git(\/|$)/.test(p) });
  }
}

function run(s, cmd) {
  if (/apt-get/.test(cmd)) {
    const tools = ['python3', 'make', 'g++'];
    const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
    if (missing.length) fail(`the build stage installs ${tools.join(' ')}; missing here: ${missing.join(' ')}`);
    return say(`  (apt-get line not replayed: ${tools.join(', ')} present)`);
  }
  const env = { ...process.env, ...s.env, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(s.env)) if (v === '/usr/local') env[k] = nodeHome;
  const t0 = Date.now();
  const r = spawnSync('bash', ['-ec', cmd], { cwd: inStage(s, s.workdir), env, stdio: 'inherit' });
  if (r.status !== 0) fail(`RUN exited ${r.status}: ${cmd}`);
  say(`  ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

for (const s of stages) {
  mkdirSync(rootOf(s), { recursive: true });
  say(`== stage ${s.name}`);
  for (const step of s.steps) {
    say(`${step.op} ${step.rest.length > 110 ? step.rest.slice(0, 107) + '...' : step.rest}`);
    if (step.op === 'WORKDIR') {
      s.workdir = step.rest;
      mkdirSync(inStage(s, step.rest), { recursive: true });
    } else if (step.op === 'COPY') copy(s, step.rest);
    else if (step.op === 'RUN') run(s, step.rest);
    else if (step.op === 'USER') s.user = step.rest;
  }
}

// ---------------------------------------------------------------- start the runtime stage
if (runtime.user === 'root' || runtime.user === '0') fail('the runtime stage runs as root');
if (!runtime.cmd || !runtime.healthcheck) fail('the runtime stage has no CMD or no HEALTHCHECK');
const uid = runtime.user === 'node' ? 1000 : Number(runtime.user); // the node image's user "node" is uid 1000
const asUser = (argv) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...argv];
// Absolute paths in CMD point into the image: map them into the runtime stage's folder.
const mapArg = (a) => (a.startsWith('/') && existsSync(inStage(runtime, a)) ? inStage(runtime, a) : a);

const freePort = () =>
  new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const post = (port) =>
  new Promise((res) => {
    const body = '{"tikz_code":"\\\\draw (0,0) -- (1,1);"}';
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/compile', headers: { 'content-type': 'application/json' } },
      (r) => (r.resume(), r.on('end', () => res(r.statusCode))),
    );
    req.on('error', () => res(0));
    req.end(body);
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The image has node in /usr/local/bin; here a copy of Node 22 the unprivileged user can reach (HOME may not be).
const imageBin = join(work, 'usr-local-bin');
mkdirSync(imageBin);
cpSync(join(nodeHome, 'bin', 'node'), join(imageBin, 'node'));
const [upPort, gwPort, adminPort] = [await freePort(), await freePort(), await freePort()];
const upstream = spawn('node', [join(ROOT, 'bench', 'upstream.mjs')], {
  env: { ...process.env, PORT: String(upPort) },
  stdio: 'ignore',
});
const env = {
  ...runtime.env,
  PATH: `${imageBin}:/usr/bin:/bin`,
  GATEWAY_PORT: String(gwPort),
  ADMIN_PORT: String(adminPort),
  UPSTREAM_URL: `http://127.0.0.1:${upPort}`,
};
const argv = asUser(runtime.cmd.map(mapArg));
say(`== start: ${runtime.cmd.join(' ')}  (as uid ${uid}, data :${gwPort}, admin :${adminPort})`);
const gw = spawn(argv[0], argv.slice(1), {
  cwd: inStage(runtime, runtime.workdir),
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let exited = null;
gw.on('exit', (code, signal) => (exited = { code, signal }));
let out = '';
gw.stdout.on('data', (d) => (out += d));

let healthy = false;
for (let i = 0; i < 40 && !healthy && exited === null; i++) {
  await sleep(250);
  const hc = asUser(runtime.healthcheck);
  healthy = spawnSync(hc[0], hc.slice(1), { env, timeout: 3000 }).status === 0;
}
let status = 0;
let problem = null;
if (!healthy) problem = `HEALTHCHECK never passed (gateway ${exited ? `exited ${JSON.stringify(exited)}` : 'running'})`;
else {
  say('HEALTHCHECK passes');
  status = await post(gwPort);
  if (status !== 200) problem = `POST /compile through the gateway answered ${status}`;
  else say('POST /compile through the gateway: 200');
}
if (exited === null) {
  gw.kill('SIGTERM');
  for (let i = 0; i < 150 && exited === null; i++) await sleep(100);
  if (exited === null) {
    gw.kill('SIGKILL');
    problem ??= 'did not exit within 15 s of SIGTERM';
  } else if (exited.code !== 0) problem ??= `exit ${JSON.stringify(exited)} after SIGTERM, not 0`;
  else say('SIGTERM: drained and exited 0');
}
upstream.kill('SIGTERM');
if (!keep) rmSync(work, { recursive: true, force: true });
else say(`stages kept in ${work}`);
if (problem) {
  console.error(out.split('\n').slice(-20).join('\n'));
  fail(problem);
}
say(
  'the Dockerfile replays: build stage under Node 22, runtime stage as non-root, healthy, serving, drains on SIGTERM',
);

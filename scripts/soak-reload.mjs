#!/usr/bin/env node
// Reload soak against the built gateway: steady loopback load while it takes many SIGHUPs; RSS must stay flat
// and every request must be answered as expected.
//
//   npm run build && node scripts/soak-reload.mjs [--reloads 500] [--max-growth 0.2] [--max-seconds 300]
//
// Starts `node dist/main.js start --config <tmp yaml>` (signatures on, the shipped rules) in front of a
// local upstream, sends two clients' worth of requests (GET /health, POST /compile with a TikZ body; bounded
// by count and time, 127.0.0.1 only), sends the SIGHUPs one after the other (each waits for the reload to be
// counted in /metrics, since reloads coalesce), and reads the gateway's RSS from /proc after the first and
// after the last reload. Exit 0 when RSS after the last is within --max-growth (a fraction) of after the
// first and no request got an unexpected answer; 1 otherwise. Linux only (/proc).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    reloads: { type: 'string', default: '500' },
    'max-growth': { type: 'string', default: '0.2' },
    'max-seconds': { type: 'string', default: '300' },
    'max-requests': { type: 'string', default: '200000' },
  },
});
const RELOADS = Number(values.reloads);
const MAX_GROWTH = Number(values['max-growth']);
const DEADLINE = Date.now() + Number(values['max-seconds']) * 1000;
const MAX_REQUESTS = Number(values['max-requests']);
const TIKZ = JSON.stringify({ tikz_code: '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

function rssOf(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** One request on a keep-alive agent: resolves with the status (errors count as status 0). */
function send(agent, port, method, path, body) {
  return new Promise((resolveStatus) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolveStatus(res.statusCode ?? 0));
        res.on('error', () => resolveStatus(0));
      },
    );
    req.on('error', () => resolveStatus(0));
    req.end(body);
  });
}

async function metric(adminPort, name, label) {
  const text = await new Promise((ok, fail) => {
    http
      .get({ host: '127.0.0.1', port: adminPort, path: '/metrics' }, (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (s += d));
        res.on('end', () => ok(s));
      })
      .on('error', fail);
  });
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line === undefined ? 0 : Number(line.trim().split(/\s+/).pop());
}

const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('<svg xmlns="http://www.w3.org/2000/svg"/>'));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const dir = mkdtempSync(join(tmpdir(), 'portcullis-soak-'));
const config = join(dir, 'gateway.yaml');
writeFileSync(
  config,
  `server:
  listen: { host: 127.0.0.1, port: 0 }
upstream:
  url: http://127.0.0.1:${upstream.address().port}
admin:
  listen: { host: 127.0.0.1, port: 0 }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
  - name: health
    methods: [GET]
    path: /health
checks:
  signatures:
    rules_dir: ${join(ROOT, 'rules')}
logging: { level: info, events: stderr }
`,
);

// The semi-space size every shipped launcher passes (npm start, the Dockerfile), as its minimum too: V8 grows
// the young generation from 1 to 32 MB per semi-space in steps under load (30 MB of RSS at once, seen after
// 100-200 reloads here), which would show as growth between two samples whatever the reloads do.
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=32', '--min-semi-space-size=32', join(ROOT, 'dist/main.js'), 'start', '--config', config],
  {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output = (output + d).slice(-100_000)));
let failures = [];
let sent = 0;
let stop = false;
try {
  let ports = null;
  while (ports === null && Date.now() < DEADLINE) {
    const m = /"data":"http:\/\/127\.0\.0\.1:(\d+)","admin":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(output);
    if (m !== null) ports = { data: Number(m[1]), admin: Number(m[2]) };
    else if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}:\n${output}`);
    else await sleep(50);
  }
  if (ports === null) throw new Error(`gateway did not start:\n${output}`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const client = async (n) => {
    while (!stop && sent < MAX_REQUESTS && Date.now() < DEADLINE) {
      sent++;
      const compile = (sent + n) % 2 === 0;
      const status = await send(
        agent,
        ports.data,
        compile ? 'POST' : 'GET',
        compile ? '/compile' : '/health',
        compile ? TIKZ : undefined,
      );
      if (status !== 200 && failures.length < 20)
        failures.push(`${compile ? 'POST /compile' : 'GET /health'} -> ${status}`);
      else if (status !== 200) failures.push('...');
    }
  };
  const load = Promise.all([client(0), client(1)]);
  // Warm-up: the JIT and the allocator settle under load; the first sample waits until RSS holds still
  // (within 1% over a second, at most 20 s).
  for (let prev = 0, now = rssOf(child.pid), t = 0; Math.abs(now - prev) > now * 0.01 && t < 20; t++) {
    await sleep(1000);
    [prev, now] = [now, rssOf(child.pid)];
  }

  let first = 0;
  const started = Date.now();
  for (let i = 1; i <= RELOADS; i++) {
    const before = await metric(ports.admin, 'portcullis_config_reloads_total', 'result="success"');
    child.kill('SIGHUP');
    while ((await metric(ports.admin, 'portcullis_config_reloads_total', 'result="success"')) <= before) {
      if (Date.now() > DEADLINE) throw new Error(`reload ${i} not seen before the deadline`);
      await sleep(5);
    }
    if (i === 1) first = rssOf(child.pid);
    if (i % 100 === 0)
      console.log(`reload ${i}: RSS ${mb(rssOf(child.pid))} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  const last = rssOf(child.pid);
  stop = true;
  await load;
  agent.destroy();
  const growth = (last - first) / first;
  console.log(
    `RSS after the first reload ${mb(first)}, after reload ${RELOADS} ${mb(last)} (${(growth * 100).toFixed(1)}%)`,
  );
  console.log(`${sent} requests, ${failures.length} unexpected answers`);
  if (growth > MAX_GROWTH) failures.push(`RSS grew ${(growth * 100).toFixed(1)}% (allowed ${MAX_GROWTH * 100}%)`);
} catch (err) {
  failures.push(String(err instanceof Error ? err.message : err));
} finally {
  stop = true;
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`FAIL\n${failures.join('\n')}`);
  process.exitCode = 1;
} else console.log('ok');

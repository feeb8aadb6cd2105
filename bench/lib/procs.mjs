// Bench processes: start on a free loopback port, wait until it accepts, stop every one by PID at the end;
// /proc helpers (process trees, clock ticks) and the one-request sanity check.
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The V8 flags Portcullis is shipped to run with (package.json's start script, the Dockerfile; defined in
 * src/core/node-flags.ts; docs/operations.md, "Runtime flags"): a 32 MiB young generation semi-space instead
 * of 16, so short-lived per-request objects are collected less often. Every Node proxy of a bench run (the bare ones
 * too) gets the same flags, so rows differ only by their code.
 */
export const NODE_FLAGS = Object.freeze(['--max-semi-space-size=32']);

const started = []; // { name, child, exited } in start order
let stopping = false;

/** Throws when a process the bench started has died: whatever was measured after that is not a result. */
export function assertAlive() {
  const dead = started.filter((r) => r.exited);
  if (dead.length > 0)
    throw new Error(
      `died during the run: ${dead.map((r) => `${r.name} (pid ${r.child.pid}, ${r.exited})`).join(', ')}`,
    );
}

// Last resort (an exception, a closed stdout): never leave a server behind. Synchronous, by PID.
process.on('exit', () => {
  for (const r of started) if (!r.exited) r.child.kill('SIGTERM');
});

/** A port nothing listens on right now (the kernel's pick, released again). */
function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function accepts(port) {
  return new Promise((res) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => (c.destroy(), res(true)));
    c.once('error', () => res(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns cmd with env[portEnv] = a free port, output to <outDir>/<name>.log; resolves once the port accepts.
 * opts.cwd: where it runs (default the project).
 */
export async function startProcess(name, cmd, env, outDir, portEnv = 'PORT', opts = {}) {
  const port = await freePort();
  const log = join(outDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(cmd[0], cmd.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...env, [portEnv]: String(port) },
    stdio: ['ignore', fd, fd],
  });
  const rec = { name, child, exited: false };
  child.once('exit', (code, signal) => {
    rec.exited = signal ? `signal ${signal}` : `exit ${code}`;
    if (!stopping) console.error(`bench: ${name} (pid ${child.pid}) ${rec.exited} unexpectedly (see ${log})`);
  });
  started.push(rec);
  for (let i = 0; i < 300; i++) {
    if (rec.exited) throw new Error(`${name} exited before listening (see ${log})`);
    if (await accepts(port)) return { pid: child.pid, port, log };
    await sleep(100);
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within 30 s (see ${log})`);
}

/** Stops everything startProcess started, newest first: SIGTERM, then SIGKILL after 5 s. By PID only. Callable
 * again after more processes were started (npm run bench starts every round afresh). */
export async function stopAll() {
  stopping = true;
  while (started.length > 0) {
    const rec = started.pop();
    if (rec.exited) continue;
    rec.child.kill('SIGTERM');
    for (let i = 0; i < 50 && !rec.exited; i++) await sleep(100);
    if (!rec.exited) {
      console.error(`bench: ${rec.name} (pid ${rec.child.pid}) ignored SIGTERM for 5 s: SIGKILL`);
      rec.child.kill('SIGKILL');
    }
  }
  stopping = false; // whatever starts next is watched again
}

/**
 * Cuts a process's log back to its first `max` bytes (its startup lines) when it grew past that: a gateway
 * refusing thousands of requests a second writes a security event for each (npm run bench -- --reject). The
 * process writes with O_APPEND (startProcess), so it goes on writing at the new end.
 */
export function trimLog(log, max = 1 << 20) {
  try {
    if (statSync(log).size <= max) return;
    truncateSync(log, max);
    appendFileSync(log, `\n[bench: log cut back to ${max} bytes here]\n`);
  } catch {
    // gone or unreadable: nothing to trim
  }
}

/**
 * The bench request once, as the load sends it (with the row's extra headers): status, content type, policy.
 * `request`: {method, path, contentType, file} (file null: no body); a body file alone means POST /compile JSON.
 */
export function sanity(port, request, extraHeaders = {}) {
  const r0 = typeof request === 'string' ? { method: 'POST', path: '/compile', file: request } : request;
  const contentType = r0.contentType === undefined ? 'application/json' : r0.contentType;
  const body = r0.file ? readFileSync(r0.file) : null;
  return new Promise((res) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: r0.method,
        path: r0.path,
        timeout: 5000,
        headers: {
          host: 'localhost',
          ...(contentType === null ? {} : { 'content-type': contentType }),
          accept: 'image/svg+xml',
          ...(body === null ? {} : { 'content-length': body.length }),
          ...extraHeaders,
        },
      },
      (r) => {
        r.resume();
        r.on('end', () =>
          res({
            status: r.statusCode,
            type: r.headers['content-type'] ?? '-',
            // The tier's limits as the gateway applied them: shows which tier the row's identity got.
            policy: r.headers['ratelimit-policy'] ?? null,
            // A refusal that closes the connection costs the client a new one per request (--reject).
            close: /\bclose\b/i.test(r.headers.connection ?? ''),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => res({ status: 0, type: e.message }));
    req.end(body ?? undefined);
  });
}

/** pid and all its descendants (from /proc), e.g. a gateway and whatever it started. */
export function treePids(root) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const keep = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, pp] of parent) {
      if (!keep.has(p) && keep.has(pp)) {
        keep.add(p);
        grew = true;
      }
    }
  }
  return [...keep];
}

export function cpuCount() {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.availableParallelism();
  }
}

export function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

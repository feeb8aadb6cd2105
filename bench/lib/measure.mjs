// One measured run of one target: wait for a quiet machine, run the pinned load generator (warm-up, then the
// measured window), estimate what other tenants of the machine used meanwhile, and redo noisy runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT, assertAlive } from './procs.mjs';

/** The load generator running now, if any: stopped with everything else on Ctrl-C. */
export let current = null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** busy (user+nice+system+irq+softirq) and total jiffies of all CPUs, as /proc/stat counts them. */
function stat() {
  const [u, n, s, i, w, q, sq, st] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: u + n + s + q + sq, total: u + n + s + i + w + q + sq + st };
}

/** Waits (at most quietWait s) until the machine is at most quietMaxBusy % busy over one second. */
async function quietGate(c) {
  const deadline = Date.now() + c.quietWait * 1000;
  let said = false;
  for (;;) {
    const a = stat();
    await sleep(1000);
    const b = stat();
    const busy = ((b.busy - a.busy) * 100) / Math.max(1, b.total - a.total);
    if (busy <= c.quietMaxBusy) return;
    if (!said) console.error(`bench:   machine ${busy.toFixed(0)}% busy (not us): waiting up to ${c.quietWait} s`);
    said = true;
    if (Date.now() >= deadline) return void console.error('bench:   still busy: measuring anyway (see noise)');
  }
}

function loadOnce(c) {
  const spec = {
    url: c.url,
    body: c.body,
    method: c.method,
    contentType: c.contentType,
    vary: c.vary === true,
    headers: c.headers ?? {},
    connections: c.connections,
    warmup_s: c.warmup,
    duration_s: c.duration,
    groups: c.groups,
  };
  return new Promise((resolve, reject) => {
    const cmd = [...c.lg, 'node', 'bench/load.mjs', JSON.stringify(spec)];
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    current = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    // Bounded: warm-up + window + 30 s, then the load generator is killed (by its PID).
    const bound = c.warmup + c.duration + 30;
    const timer = setTimeout(() => child.kill('SIGKILL'), bound * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      current = null;
      try {
        assertAlive(); // a target that died is the news, not the load generator that then failed
        if (signal === 'SIGKILL') throw new Error(`load generator still running after ${bound} s: killed`);
        if (code !== 0) throw new Error(`load generator exit ${code ?? signal}`);
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Measures once, redoing up to c.retries times while others used more than c.noiseMax % of all CPUs. */
export async function measure(c) {
  const discarded = [];
  for (let attempt = 1; ; attempt++) {
    await quietGate(c);
    assertAlive();
    const r = await loadOnce(c);
    assertAlive();
    const t = r.cpu_ticks;
    const ours = t.proxy + t.upstream + t.idle + t.shared + r.loadgen_ticks;
    const foreignPct = Math.max(0, ((r.machine_busy_jiffies - ours) * 100) / Math.max(1, r.machine_total_jiffies));
    const usPerTick = 1e6 / c.hz;
    const run = {
      attempt,
      rps: r.rps,
      requests: r.requests,
      p50_us: r.lat_p50_us,
      p99_us: r.lat_p99_us,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      statuses: r.statuses,
      proxy_cpu_us_per_req: r.requests ? (t.proxy * usPerTick) / r.requests : null,
      upstream_cpu_us_per_req: r.requests ? (t.upstream * usPerTick) / r.requests : null,
      shared_cpu_us_per_req: r.requests ? (t.shared * usPerTick) / r.requests : null,
      loadgen_busy_pct: (r.loadgen_ticks * 100) / (r.seconds * c.hz),
      foreign_pct: foreignPct,
      raw: r,
    };
    const noisy = foreignPct > c.noiseMax;
    console.error(
      `bench:   ${c.label}: ${r.rps.toFixed(0)} req/s, p99 ${(r.lat_p99_us / 1000).toFixed(2)} ms, ` +
        `proxy ${run.proxy_cpu_us_per_req?.toFixed(1) ?? '-'} µs/req, noise ${foreignPct.toFixed(1)}%` +
        (r.non2xx + r.errors + r.timeouts
          ? `, ${r.non2xx} non-2xx${c.expect && c.expect !== 200 ? ` (${c.expect} expected)` : ''} ${r.errors} errors ${r.timeouts} timeouts`
          : '') +
        (noisy && attempt <= c.retries ? ': too noisy, redoing' : ''),
    );
    if (!noisy || attempt > c.retries) return { ...run, discarded };
    discarded.push(run);
  }
}

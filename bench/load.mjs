// Bench load generator (one process, run pinned by bench/run.mjs): autocannon warm-up, then one measured run,
// with the CPU of the watched processes read from /proc right around the measured window.
// Usage: node bench/load.mjs '<json spec>'
//   spec: {url, body (path; null: none), headers (extra, e.g. x-api-key), connections, warmup_s, duration_s,
//   groups, vary, method (default POST), contentType (default application/json; null: none)}
//   groups: {name: [pid, ...]} whose utime+stime deltas (clock ticks) are reported.
//   vary: every request carries a different body of the file's size: the body's placeholder 00000000 (the
//   *-vary.json bodies of bench/make-bodies.mjs) becomes a request number. Default false: the file as is.
// Prints one JSON line: requests, rps, latency percentiles (µs, from every response), status and error counts,
// CPU ticks per group, of this process, and of the whole machine (for the noise estimate), and the count of each
// status answered in the measured window (run.mjs --reject expects refusals).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2]);
const body = spec.body === null ? undefined : readFileSync(spec.body);
const contentType = spec.contentType === undefined ? 'application/json' : spec.contentType;
const headers = {
  host: 'localhost',
  ...(contentType === null ? {} : { 'content-type': contentType }),
  accept: 'image/svg+xml',
  'user-agent': 'portcullis-bench/1 (autocannon)',
  // The row's own (run.mjs --header), e.g. an API key or a bearer token: same on every request.
  ...(spec.headers ?? {}),
};

const PLACEHOLDER = '00000000';

/**
 * autocannon requests that put a new number in the placeholder of each request's own copy of the body (a
 * copy: a body handed to a socket must not change under it). The numbers start at random, so the rounds of
 * one bench (one load generator each) send different bodies too.
 */
function varying(template) {
  const at = template.indexOf(PLACEHOLDER);
  if (at === -1) throw new Error(`vary: ${spec.body} holds no ${PLACEHOLDER} (see bench/make-bodies.mjs)`);
  let seq = Math.floor(Math.random() * 1e8);
  const setupRequest = (req) => {
    const b = Buffer.from(template);
    seq = (seq + 1) % 1e8;
    b.write(String(seq).padStart(PLACEHOLDER.length, '0'), at, 'latin1');
    req.body = b;
    return req;
  };
  return [{ setupRequest }];
}
const requests = spec.vary === true ? varying(body) : undefined;

/** utime + stime of one process in clock ticks, 0 when it is gone. */
function ticks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machine() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4]; // idle + iowait
  return { busy: total - idle, total };
}

function sample() {
  const groups = {};
  for (const [name, pids] of Object.entries(spec.groups)) groups[name] = pids.reduce((a, p) => a + ticks(p), 0);
  return { groups, self: ticks(process.pid), machine: machine(), at: process.hrtime.bigint() };
}

function run(seconds, onResponse) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: spec.url,
        method: spec.method ?? 'POST',
        headers,
        ...(body === undefined ? {} : { body }),
        ...(requests === undefined ? {} : { requests }),
        connections: spec.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 5,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) inst.on('response', onResponse);
  });
}

// Latencies of every answered request, in µs (autocannon's own histogram has 1 ms resolution).
const lat = new Float64Array(4_000_000);
let n = 0;

const warm = spec.warmup_s > 0 ? await run(spec.warmup_s, null) : null;
const before = sample();
const result = await run(spec.duration_s, (_client, _status, _bytes, ms) => {
  if (n < lat.length) lat[n++] = ms * 1000;
});
const after = sample();

const sorted = lat.subarray(0, n).sort();
const pct = (p) => (n === 0 ? 0 : Math.round(sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]));
const groups = {};
for (const name of Object.keys(spec.groups)) groups[name] = after.groups[name] - before.groups[name];
const seconds = Number(after.at - before.at) / 1e9;
const out = {
  requests: result.requests.total,
  warmup_requests: warm === null ? 0 : warm.requests.total,
  seconds,
  rps: result.requests.total / seconds,
  lat_p50_us: pct(50),
  lat_p90_us: pct(90),
  lat_p99_us: pct(99),
  lat_max_us: pct(100),
  status_2xx: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, v.count])),
  cpu_ticks: groups,
  loadgen_ticks: after.self - before.self,
  machine_busy_jiffies: after.machine.busy - before.machine.busy,
  machine_total_jiffies: after.machine.total - before.machine.total,
};
process.stdout.write(JSON.stringify(out) + '\n');

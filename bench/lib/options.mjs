// npm run bench's command line: the usage text, and the options read and checked into what bench/run.mjs needs
// (numbers, the bodies, the gateway rows, extra headers per row, shared processes). Throws on anything wrong.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]
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

/** The options of `argv`, checked. `o.help` set: nothing else is read (the caller prints USAGE). */
export function readOptions(argv) {
  const { values: o } = parseArgs({
    args: argv,
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
  if (o.help) return { o };
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

  return { o, cfg, bodies, gateways, rowHeaders, sharedPids };
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

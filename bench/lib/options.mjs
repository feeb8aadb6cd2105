// npm run bench's command line: the usage text, and the options read and checked into what bench/run.mjs needs
// (numbers, the requests (bodies, or --reject's refused requests), the gateway rows, --base, extra headers per
// row, shared processes). Throws on anything wrong.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './procs.mjs';

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
                        bare-undici, direct, bare-undici-aa; bare-node, bare-node-aa with --reject), e.g.
                        apikey:x-api-key=... or "jwt:authorization=Bearer ..."; repeatable. Rows without --header
                        send the usual headers; a NAME@base row (--base) sends NAME's unless given its own.
  --shared-pid PID      a process the gateways share (e.g. a redis-server you started, pinned with taskset -c 1):
                        ours, not noise; its CPU per request is listed under the table (repeatable)
  --base REF            also run the gateway as built from git commit REF (a temporary worktree, removed after):
                        a row NAME@base beside every gateway row, same config, same rounds, and a verdict per
                        row: FAIL when slower than its base by more than max(A/A spread, 2%) (exit 3)
  --base-own-config     the NAME@base row runs the base's own version of NAME's config (the file at the same
                        path in the base's tree) instead of the working tree's: compares a row whose config turns
                        on checks the base does not have (e.g. the every-check row before and after a new check)
  --reject              the reject-path bench: the gateway refusing (POST 415 and 404 before the body, POST 403
                        after it, GET 404) beside a bare node:http server answering 200 to the same requests,
                        and the refusal floor (node:http writing the first gateway's 404, nothing else)
  --no-floor            --reject without the refusal-floor row
  --svg FILE            the upstream answers FILE (e.g. bench/bodies/dvisvgm-30k.svg) as image/svg+xml to every
                        row, and a gateway row svg=bench/svg.bench.yaml (SVG inspection on) is added
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
      body: { type: 'string', multiple: true },
      'vary-body': { type: 'boolean', default: false },
      gateway: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      'shared-pid': { type: 'string', multiple: true },
      base: { type: 'string' },
      'base-own-config': { type: 'boolean', default: false },
      reject: { type: 'boolean', default: false },
      svg: { type: 'string' },
      'no-direct': { type: 'boolean', default: false },
      'no-aa': { type: 'boolean', default: false },
      'no-floor': { type: 'boolean', default: false },
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
  if (o.reject && (o.body || cfg.vary)) throw new Error('--reject: its requests are fixed (no --body, --vary-body)');
  if (o.reject && o['no-direct']) throw new Error('--reject: has no direct row (--no-direct)');
  const base = o.base === undefined ? null : baseRef(o.base);
  if (base === null && o['base-own-config']) throw new Error('--base-own-config: needs --base');
  if (base !== null && o['no-aa']) throw new Error('--base: the verdict needs the A/A row (no --no-aa)');
  const bodies = (o.body ?? ['bench/bodies/tikz-620.json']).map((arg) => {
    const file = resolve(arg);
    if (!existsSync(file)) throw new Error(`--body: no such file ${arg}`);
    if (cfg.vary && !readFileSync(file, 'latin1').includes('00000000'))
      throw new Error(`--vary-body: ${arg} holds no placeholder 00000000 (see bench/make-bodies.mjs)`);
    return { arg, file, bytes: statSync(file).size, label: basename(file).replace(/\.json$/, '') };
  });
  if (new Set(bodies.map((b) => b.label)).size !== bodies.length) throw new Error('--body: the same file twice');
  if (o.svg !== undefined && !existsSync(resolve(o.svg))) throw new Error(`--svg: no such file ${o.svg}`);
  const named = o.gateway ?? ['gateway=bench/gateway.bench.yaml'];
  if (o.svg !== undefined && !named.some((g) => g.startsWith('svg='))) named.push('svg=bench/svg.bench.yaml');
  const gateways = named.map((g) => {
    const eq = g.indexOf('=');
    if (eq < 1) throw new Error(`--gateway ${g}: expected NAME=config.yaml`);
    const [name, file] = [g.slice(0, eq), resolve(g.slice(eq + 1))];
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`--gateway ${g}: NAME is [A-Za-z0-9_.-]+`);
    if (!existsSync(file)) throw new Error(`--gateway ${g}: no such file`);
    const inTree = relative(ROOT, file);
    if (o['base-own-config'] && (inTree.startsWith('..') || isAbsolute(inTree)))
      throw new Error(`--gateway ${g}: --base-own-config needs a config inside the project (the base has its own)`);
    return { name, file, inTree };
  });
  const requests = o.reject ? REJECT_REQUESTS.map(rejectRequest) : bodies.map(compileRequest);
  const bare = o.reject ? 'bare-node' : 'bare-undici';
  const rowHeaders = parseHeaders(o.header ?? [], [
    ...gateways.map((g) => g.name),
    ...(base === null ? [] : gateways.map((g) => `${g.name}@base`)),
    ...(o['no-direct'] || o.reject ? [] : ['direct']),
    bare,
    ...(o.reject && !o['no-floor'] ? ['refusal-floor'] : []),
    ...(o['no-aa'] ? [] : [`${bare}-aa`]),
  ]);
  // A base row sends what its gateway row sends, unless told otherwise.
  if (base !== null)
    for (const g of gateways)
      if (rowHeaders.has(g.name) && !rowHeaders.has(`${g.name}@base`))
        rowHeaders.set(`${g.name}@base`, { ...rowHeaders.get(g.name) });
  const sharedPids = (o['shared-pid'] ?? []).map(Number);
  for (const p of sharedPids) if (!existsSync(`/proc/${p}`)) throw new Error(`--shared-pid ${p}: not running`);

  return { o, cfg, bodies: o.reject ? [] : bodies, requests, gateways, base, rowHeaders, sharedPids };
}

/**
 * --reject's requests, each sent to the gateway rows (which refuse it with `expect`) and to the bare node:http
 * server (bench/bare-server.mjs, which reads the body and answers 200). Bodies are relative to the project.
 */
export const REJECT_REQUESTS = Object.freeze([
  {
    label: 'post-415',
    what: 'a Content-Type the route does not take: refused before the body is read',
    method: 'POST',
    path: '/compile',
    contentType: 'text/plain',
    body: 'bench/bodies/tikz-620.json',
    expect: 415,
  },
  {
    label: 'post-404',
    what: 'an unknown path: refused before the body is read',
    method: 'POST',
    path: '/no-such-route',
    contentType: 'application/json',
    body: 'bench/bodies/tikz-620.json',
    expect: 404,
  },
  {
    label: 'post-403',
    what: 'a signature hit (\\immediate\\write18{id} in the diagram): refused after the body is read',
    method: 'POST',
    path: '/compile',
    contentType: 'application/json',
    body: 'bench/bodies/reject-write18.json',
    expect: 403,
  },
  {
    label: 'get-404',
    what: 'an unknown path',
    method: 'GET',
    path: '/no-such-route',
    contentType: null,
    body: null,
    expect: 404,
  },
]);

/** The goals for --reject (harden the data plane): gateway req/s at least this share of bare-node's. */
export const REJECT_GOALS = Object.freeze({ POST: 0.5, GET: 0.7 });

function rejectRequest(r) {
  const file = r.body === null ? null : resolve(ROOT, r.body);
  if (file !== null && !existsSync(file)) throw new Error(`--reject: ${r.body} missing (node bench/make-bodies.mjs)`);
  return { ...r, file, bytes: file === null ? 0 : statSync(file).size, goal: REJECT_GOALS[r.method] };
}

/** A --body as a request: POST /compile, JSON, answered 200 by every row. */
function compileRequest(b) {
  const what = `the bench request (${b.arg})`;
  return { ...b, what, method: 'POST', path: '/compile', contentType: 'application/json', expect: 200 };
}

/**
 * --base's git ref, as typed (git resolves it later): a branch, tag, commit, HEAD~2, main@{1}... Not an option
 * (no leading '-') and nothing git would never accept in a ref (space, control characters, '..', ':').
 */
function baseRef(ref) {
  const control = [...ref].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (ref === '' || ref.startsWith('-') || control || /[\s:?*[\\]|\.\./.test(ref))
    throw new Error(`--base ${JSON.stringify(ref)}: not a git ref`);
  return ref;
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

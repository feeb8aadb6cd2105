// Equivalence check of two builds of the CRS engine (not a test): same inputs, same configurations, same results.
// Run after `npm run build` here and in a worktree of the other commit (built there too):
//   node scripts/crs-equiv.mjs --against <other dist> [--dist <this dist, default ./dist>] [--crs DIR] [--quick]
// Inputs, built once by this build's own steps (Node's HTTP parser, path canonicalisation, route, body decoding,
// crs/input.ts buildInput, as the gateway does): every request of CRS's regression tests (go-ftw) for the REQUEST-9xx
// files; the benign fields of test/vectors/crs/benign-fields.yaml as a JSON body, a form body, query values, header
// values and cookie values; the regression tests' attack arguments (up to 1000 distinct ones) as an argument name,
// User-Agent, Referer, a cookie value and in the path, and deterministic mutations of them (upper case, alternating
// case, percent-encoding, other whitespace) as a JSON field and as a query value.
// Configurations: paranoia levels 1-4 (threshold 5), PL2 with the gateway's exclusions (checks.crs.exclusions by id
// and tag, whole rules and targets), PL2 with exclusion files in the CRS folder (REQUEST-900 ctl rules,
// RESPONSE-999 SecRuleRemoveById / ...ByTag / SecRuleUpdateTargetById), PL3 with detection_paranoia_level 4.
// Each configuration loads one program per build; the whole input list is evaluated twice in order on each (the
// engine keeps per-program traces: a first evaluation and later ones take different paths), the builds alternating
// input by input; then every 3rd input three times in a row (the engine keeps what it learns of a value across
// requests from the value's second sighting on: crs/memo.ts); then a sample (every 7th input) once more on freshly
// loaded programs. Every result is compared as canonical JSON of all it carries (matched rule ids in order, target,
// paranoia, severity, the final anomaly score, the denying rule); so is each build's second pass, repetitions and
// fresh program with its first pass.
// Prints the counts of evaluations and differences and the first 10 differences; exit code 1 on any difference.
// `--quick`: every 10th input (about 30 s). Full run: about 8 minutes on 2 cores (16,186 inputs).
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const { values: o } = parseArgs({
  options: {
    dist: { type: 'string', default: join(ROOT, 'dist') },
    against: { type: 'string' },
    crs: { type: 'string', default: join(ROOT, '..', 'shared', 'crs-v4.28.0') },
    quick: { type: 'boolean', default: false },
  },
});
if (o.against === undefined) {
  console.error('usage: node scripts/crs-equiv.mjs --against <other dist dir> [--dist DIR] [--crs DIR] [--quick]');
  process.exit(2);
}
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
const CRS = resolve(o.crs);

async function engineOf(dist) {
  const d = resolve(dist);
  return {
    dist: d,
    loadCrs: (await import(pathToFileURL(join(d, 'crs/load.js')).href)).loadCrs,
    evaluate: (await import(pathToFileURL(join(d, 'crs/engine.js')).href)).evaluate,
    exclusionCtls: (await import(pathToFileURL(join(d, 'crs/exclusions.js')).href)).exclusionCtls,
  };
}
const A = await engineOf(o.dist);
const B = await engineOf(o.against);
const mod = async (p) => import(pathToFileURL(join(A.dist, p)).href);
const { buildInput } = await mod('crs/input.js');
const { RequestContext } = await mod('core/context.js');
const { canonicalise } = await mod('http/path.js');
const { buildRouter } = await mod('http/router.js');
const { precheckBody, decodeInto } = await mod('http/body-phase.js');
const { bodyLimits } = await mod('body/limits.js');
const { loadConfigText } = await mod('config/load.js');

// The regression tests' reader (test/integration/crs/ftw.ts), transpiled here: the same requests, byte for byte.
async function ftwModule() {
  const src = readFileSync(join(ROOT, 'test/integration/crs/ftw.ts'), 'utf8');
  const js = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  }).outputText;
  const yamlUrl = import.meta.resolve('yaml');
  return import(`data:text/javascript,${encodeURIComponent(js.replace(/from 'yaml'/, `from '${yamlUrl}'`))}`);
}

// The routes of the regression test's gateways (crs-regression.test.ts), and a compile route.
const config = loadConfigText(
  `upstream: { url: "http://127.0.0.1:9" }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 1048576
    max_field_chars: 1048576
    code_fields: [tikz_code]
  - name: any
    path: /*
    inspect_body: true
    max_body_bytes: 1048576
    max_field_chars: 1048576
    code_fields: [tikz_code]
  - name: root
    path: /
    inspect_body: true
    max_body_bytes: 1048576
    max_field_chars: 1048576
    code_fields: [tikz_code]
`,
  'crs-equiv.yaml',
  {},
);
const router = buildRouter(config.routes, {
  maxResponseBytes: config.upstream.max_response_bytes,
  responseTimeoutMs: config.upstream.timeout_ms,
  caseInsensitive: config.server.case_insensitive_routes,
  tiers: Object.keys(config.rate_limits.tiers),
});
const FALLBACK_CODE_FIELDS = new Set(['tikz_code']);

/** A request as Node hands it to the data plane -> the CRS input, through the gateway's steps (null: refused). */
function inputOf(r, n) {
  const ctx = new RequestContext(r.method, r.headers, 0);
  ctx.id = `equiv-${n}`;
  ctx.clientIp = '127.0.0.1';
  ctx.peerIp = '127.0.0.1';
  const canon = canonicalise(r.url);
  if (!canon.ok) return null;
  ctx.path = canon.path;
  ctx.query = canon.query;
  ctx.route = router.match(ctx.method, ctx.path);
  const req = { headers: r.headers, url: r.url };
  // A request the gateway refuses before CRS (precheck, decoding) still makes an input: CRS's own view of it.
  if (ctx.route !== null && precheckBody(req, ctx.route) === null && r.body.length > 0) {
    const routeConfig = config.routes.find((c) => c.name === ctx.route.name);
    decodeInto(req, ctx, r.body, bodyLimits(routeConfig));
  } else if (r.body.length > 0) ctx.body = r.body;
  return buildInput(ctx, FALLBACK_CODE_FIELDS);
}

/** Raw HTTP requests parsed by Node's own parser (as the gateway's server is set up), on loopback. */
async function parseRaw(raws) {
  const seen = new Map();
  const server = http.createServer(
    { maxHeaderSize: config.server.max_header_bytes, requireHostHeader: false, joinDuplicateHeaders: false },
    (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen.set(req.socket.remotePort, {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(204, { connection: 'close' });
        res.end();
      });
    },
  );
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  const one = (raw) =>
    new Promise((ok) => {
      const sock = net.connect(port, '127.0.0.1');
      let local = 0;
      const timer = setTimeout(() => sock.destroy(), 3000);
      const done = () => {
        clearTimeout(timer);
        ok(seen.get(local) ?? null);
        seen.delete(local);
      };
      sock.on('connect', () => {
        local = sock.localPort;
        sock.write(raw);
      });
      sock.on('data', () => {});
      sock.on('error', () => {});
      sock.on('close', done);
    });
  const out = new Array(raws.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < raws.length) {
        const i = next++;
        out[i] = await one(raws[i]);
      }
    }),
  );
  server.close();
  return out;
}

// ---- inputs ----
const inputs = []; // { label, input }
const add = (label, r) => {
  const input = inputOf(r, inputs.length);
  if (input !== null) inputs.push({ label, input });
  return input;
};
const { loadFtwTests } = await ftwModule();
const tests = loadFtwTests(join(CRS, 'tests/regression/tests'), ['REQUEST-9']);
const stages = tests.flatMap((t) => t.stages.map((s, i) => ({ t, s, i })));
const parsed = await parseRaw(stages.map((x) => x.s.raw));
let unparsed = 0;
const attackArgs = [];
stages.forEach(({ t, s, i }, k) => {
  const r = parsed[k];
  if (r === null) return void unparsed++;
  const input = add(`ftw ${t.name} stage ${i + 1}`, r);
  if (input !== null && s.expectIds.length > 0) {
    for (const e of [...input.argsGet, ...input.argsPost]) if (e.value.length >= 3) attackArgs.push(e.value);
  }
});
const ftwCount = inputs.length;

const DIAGRAM = '\\begin{tikzpicture}\\draw (0,0) -- (1,1) node[right] {$x$};\\end{tikzpicture}';
const BROWSER = {
  host: 'diagrams.example.org',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  accept: 'image/svg+xml,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.5',
};
const utf8 = (s) => Buffer.from(s, 'utf8');
/** A header value as Node gives it: the UTF-8 bytes as Latin-1 characters, no line breaks. */
const headerValue = (s) => utf8(s.replace(/[\r\n]+/g, ' ')).toString('latin1');
const jsonPost = (fields, path = '/compile') => {
  const body = utf8(JSON.stringify({ tikz_code: DIAGRAM, ...fields }));
  return {
    method: 'POST',
    url: path,
    headers: { ...BROWSER, 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
  };
};
const query = (fields) =>
  Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
const get = (fields, path = '/compile') => ({
  method: 'GET',
  url: `${path}?${query(fields)}`,
  headers: { ...BROWSER },
  body: Buffer.alloc(0),
});

const benign = parse(readFileSync(join(ROOT, 'test/vectors/crs/benign-fields.yaml'), 'utf8'));
benign.forEach((fields, k) => {
  const f = Object.fromEntries(Object.entries(fields).map(([key, v]) => [key, String(v)]));
  add(`benign #${k} as JSON fields`, jsonPost(f));
  const form = utf8(query(f));
  add(`benign #${k} as form fields`, {
    method: 'POST',
    url: '/compile',
    headers: {
      ...BROWSER,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(form.length),
    },
    body: form,
  });
  add(`benign #${k} as query values`, get(f));
  const headers = { ...BROWSER };
  for (const [key, v] of Object.entries(f)) headers[`x-diagram-${key}`] = headerValue(v);
  if (f.title !== undefined) headers['user-agent'] = headerValue(f.title);
  if (f.caption !== undefined) headers.referer = `https://diagrams.example.org/${encodeURIComponent(f.caption)}`;
  add(`benign #${k} as header values`, { method: 'GET', url: '/compile', headers, body: Buffer.alloc(0) });
  add(`benign #${k} as cookie values`, {
    method: 'GET',
    url: '/compile',
    headers: {
      ...BROWSER,
      cookie: Object.entries(f)
        .map(([key, v]) => `${key}=${encodeURIComponent(v)}`)
        .join('; '),
    },
    body: Buffer.alloc(0),
  });
});
const benignCount = inputs.length - ftwCount;

// Mutations of the attack arguments (byte strings, as ARGS hold them): distinct ones, at most 1000, spread evenly.
const distinct = [...new Set(attackArgs)];
const step = Math.max(1, Math.ceil(distinct.length / 1000));
const payloads = distinct.filter((_, i) => i % step === 0);
const MUTATIONS = [
  ['upper case', (s) => s.toUpperCase()],
  ['alternating case', (s) => [...s].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join('')],
  ['percent-encoded', (s) => [...Buffer.from(s, 'latin1')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')],
  ['whitespace', (s) => `\t${s.replace(/ /g, '\t \n')}  `],
];
payloads.forEach((p, k) => {
  const v = Buffer.from(p, 'latin1').toString('utf8');
  const label = `attack argument #${k}`;
  add(`${label} as an argument name`, get({ [v]: '1' }, '/search'));
  add(`${label} as User-Agent`, { ...get({}), headers: { ...BROWSER, 'user-agent': headerValue(v) } });
  add(`${label} as Referer`, { ...get({}), headers: { ...BROWSER, referer: headerValue(v) } });
  add(`${label} as a cookie value`, {
    ...get({}),
    headers: { ...BROWSER, cookie: `session=${encodeURIComponent(v)}` },
  });
  add(`${label} in the path`, { ...get({}), url: `/files/${encodeURIComponent(v)}` });
  for (const [name, m] of MUTATIONS) {
    const w = Buffer.from(m(p), 'latin1').toString('utf8');
    add(`${label} ${name} as a JSON field`, jsonPost({ title: w }));
    add(`${label} ${name} as a query value`, get({ q: w }, '/search'));
  }
});
const mutationCount = inputs.length - ftwCount - benignCount;
console.log(
  `inputs: ${inputs.length} (${ftwCount} regression-test requests of ${stages.length} stages, ${unparsed} ` +
    `refused by Node's parser; ${benignCount} benign; ${mutationCount} placements and mutations of ${payloads.length} attack ` +
    `arguments), built in ${elapsed()}`,
);
const list = o.quick ? inputs.filter((_, i) => i % 10 === 0) : inputs;

// ---- configurations ----
/** A copy of the CRS folder (links) with exclusion files CRS loads before and after its rules. */
function crsWithExclusionFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'crs-equiv-'));
  mkdirSync(join(dir, 'rules'));
  for (const f of readdirSync(CRS)) if (f.startsWith('crs-setup.conf')) symlinkSync(join(CRS, f), join(dir, f));
  for (const f of readdirSync(join(CRS, 'rules'))) symlinkSync(join(CRS, 'rules', f), join(dir, 'rules', f));
  writeFileSync(
    join(dir, 'rules/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf'),
    `SecRule REQUEST_METHOD "@streq POST" "id:1001,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100-942999;ARGS:title"
SecRule REQUEST_FILENAME "@beginsWith /" "id:1002,phase:1,pass,nolog,ctl:ruleRemoveTargetByTag=attack-xss;REQUEST_HEADERS:User-Agent"
SecRule REQUEST_HEADERS:Content-Type "@contains json" "id:1003,phase:1,pass,nolog,ctl:ruleRemoveById=932236"
SecRule ARGS_NAMES "@streq q" "id:1004,phase:2,pass,nolog,ctl:ruleRemoveByTag=attack-rce,ctl:ruleRemoveTargetById=941100;ARGS:q"
SecRule REQUEST_URI "@contains search" "id:1005,phase:1,pass,nolog,ctl:ruleRemoveTargetByTag=paranoia-level/2;REQUEST_COOKIES"
`,
  );
  writeFileSync(
    join(dir, 'rules/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf'),
    `SecRuleRemoveById 920350 942440
SecRuleRemoveByTag attack-fixation
SecRuleUpdateTargetById 942200 "!ARGS:caption"
SecRuleUpdateTargetById 932100-932999 "!REQUEST_HEADERS:Referer"
`,
  );
  return dir;
}
const scratch = crsWithExclusionFiles();
const GATEWAY_EXCLUSIONS = [
  { rules: ['942100-942199'], tags: [], routes: [], fields: ['title', 'REQUEST_COOKIES:caption'] },
  { rules: [], tags: ['attack-xss'], routes: [], fields: ['REQUEST_HEADERS:user-agent', 'q'] },
  { rules: ['920350', '913100-913999'], tags: [], routes: [], fields: [] },
  { rules: [], tags: ['paranoia-level/2'], routes: [], fields: ['REQUEST_HEADERS:referer'] },
  { rules: [], tags: ['attack-lfi'], routes: [], fields: [] },
];
const CONFIGS = [
  ...[1, 2, 3, 4].map((pl) => ({ name: `PL${pl}`, settings: { dir: CRS, paranoia_level: pl, anomaly_threshold: 5 } })),
  {
    name: 'PL2 + gateway exclusions',
    settings: { dir: CRS, paranoia_level: 2, anomaly_threshold: 5 },
    exclusions: GATEWAY_EXCLUSIONS,
  },
  { name: 'PL2 + exclusion files', settings: { dir: scratch, paranoia_level: 2, anomaly_threshold: 5 } },
  {
    name: 'PL3, detection PL4, threshold 10',
    settings: { dir: CRS, paranoia_level: 3, detection_paranoia_level: 4, anomaly_threshold: 10 },
  },
];

// ---- evaluation ----
/** JSON with object keys sorted: every field of the result, arrays in order. */
const canonical = (v) =>
  JSON.stringify(v, (_k, x) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
const summary = (input) => {
  const e = (list) => list.map((x) => `${x.key}=${JSON.stringify(x.value.slice(0, 80))}`).join(' ');
  return [
    `${input.method} ${input.uri.slice(0, 200)} (${input.bodyProcessor || 'no body processor'}, body ${input.bodyLength} B)`,
    input.argsGet.length > 0 ? `  ARGS_GET ${e(input.argsGet)}` : '',
    input.argsPost.length > 0 ? `  ARGS_POST ${e(input.argsPost)}` : '',
    `  headers ${e(input.headers)}`,
    input.cookies.length > 0 ? `  cookies ${e(input.cookies)}` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
};
let evaluations = 0;
let differences = 0;
const NO_MATCH = /"matches":\[\]/;
const shown = [];
/** `a`, `b`: [which evaluation, its result]. */
const differ = (what, c, item, a, b) => {
  differences++;
  if (shown.length < 10) shown.push({ what, config: c.name, item, a, b });
};
const programs = (c) => {
  const load = (e) => {
    const program = e.loadCrs(c.settings).program;
    const ctls = c.exclusions === undefined ? [] : e.exclusionCtls(c.exclusions).forRoute(null);
    return (input) => {
      evaluations++;
      return canonical(e.evaluate(program, input, { ctls }));
    };
  };
  return [load(A), load(B)];
};
console.log(
  `${list.length} inputs${o.quick ? ' (--quick: every 10th)' : ''} x ${CONFIGS.length} configurations; ` +
    `this build ${A.dist}, the other ${B.dist}`,
);
for (const c of CONFIGS) {
  const [a, b] = programs(c);
  const first = new Array(list.length);
  let matched = 0;
  let denied = 0;
  for (let pass = 1; pass <= 2; pass++) {
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const ra = a(item.input);
      const rb = b(item.input);
      if (ra !== rb) differ(`the builds differ, pass ${pass}`, c, item, ['this build', ra], ['the other', rb]);
      if (pass === 1) {
        first[i] = [ra, rb];
        if (!NO_MATCH.test(ra)) matched++;
        if (!/"deniedBy":0\b/.test(ra)) denied++;
      } else {
        if (ra !== first[i][0])
          differ('this build, pass 2 differs from pass 1', c, item, ['pass 2', ra], ['pass 1', first[i][0]]);
        if (rb !== first[i][1])
          differ('the other build, pass 2 differs from pass 1', c, item, ['pass 2', rb], ['pass 1', first[i][1]]);
      }
    }
    const what = pass === 1 ? ` (${matched} inputs matched a rule, ${denied} denied)` : '';
    console.log(
      `${c.name}: pass ${pass} done${what}, ${evaluations} evaluations, ${differences} differences, ${elapsed()}`,
    );
  }
  // The engine keeps what it learns of a value across requests from the value's second sighting (crs/memo.ts):
  // a third of the inputs three times in a row each, the third evaluation reading what the second kept.
  for (let i = 0; i < list.length; i += 3) {
    const item = list[i];
    for (let k = 2; k <= 4; k++) {
      const ra = a(item.input);
      const rb = b(item.input);
      if (ra !== rb) differ(`the builds differ, repeated (${k})`, c, item, ['this build', ra], ['the other', rb]);
      if (ra !== first[i][0])
        differ(
          `this build, repeated (${k}) differs from pass 1`,
          c,
          item,
          [`repeated ${k}`, ra],
          ['pass 1', first[i][0]],
        );
      if (rb !== first[i][1])
        differ(
          `the other build, repeated (${k}) differs from pass 1`,
          c,
          item,
          [`repeated ${k}`, rb],
          ['pass 1', first[i][1]],
        );
    }
  }
  console.log(`${c.name}: repeated inputs done, ${evaluations} evaluations, ${differences} differences, ${elapsed()}`);
  const [fa, fb] = programs(c);
  for (let i = 0; i < list.length; i += 7) {
    const item = list[i];
    const ra = fa(item.input);
    const rb = fb(item.input);
    if (ra !== rb) differ('the builds differ, fresh programs', c, item, ['this build', ra], ['the other', rb]);
    if (ra !== first[i][0])
      differ('this build, a fresh program differs from pass 1', c, item, ['fresh', ra], ['pass 1', first[i][0]]);
    if (rb !== first[i][1])
      differ('the other build, a fresh program differs from pass 1', c, item, ['fresh', rb], ['pass 1', first[i][1]]);
  }
  console.log(`${c.name}: fresh sample done, ${evaluations} evaluations, ${differences} differences, ${elapsed()}`);
}
rmSync(scratch, { recursive: true, force: true });

for (const d of shown) {
  console.log(`\n--- ${d.what}; ${d.config}; ${d.item.label}\n${summary(d.item.input)}`);
  console.log(`  ${d.a[0]}: ${d.a[1]}\n  ${d.b[0]}: ${d.b[1]}`);
}
console.log(
  `\n${evaluations} evaluations (${list.length} inputs, ${CONFIGS.length} configurations, both builds), ` +
    `${differences} differences, ${elapsed()}`,
);
process.exit(differences === 0 ? 0 : 1);

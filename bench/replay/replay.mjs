// The replay harness of issue 13: one scripted mix of well-behaved and attacking clients through a real gateway
// and a compile service, on a virtual clock; per attacker, after how many requests it was first refused or
// tightened, checked against the bounds; and the same replay in monitor mode, compared request by request.
// The caller starts the gateway (dist/ for `npm run replay`, src/ for the test) and the compile service.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers';
import { request } from 'undici';

export const CONFIG = new URL('./gateway.yaml', import.meta.url);

/** The API keys of the replay config (their SHA-256 are in gateway.yaml). */
export const KEYS = Object.freeze({
  alice: 'replay-key-alice-7d1f0c2a',
  bob: 'replay-key-bob-3e9a41b7',
  carol: 'replay-key-carol-5c2d8e60',
});

/** The bounds of issue 13's "done when", per attacker: what is counted, and the most allowed. */
export const BOUNDS = Object.freeze({
  scanner: { counts: 'requests', max: 20 },
  'key-guesser': { counts: 'failed keys', max: 10 },
  'error-farmer': { counts: 'failed compiles', max: 20 },
  exhauster: { counts: 'time-outs', max: 3 },
  rotator: { counts: 'addresses', max: 3 },
  'low-and-slow': { counts: 'minutes', max: 60 },
});
export const ATTACKERS = Object.keys(BOUNDS);

const BROWSER = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  accept: '*/*',
  'accept-language': 'en-GB,en;q=0.7',
};
const SCRIPT = { 'user-agent': 'python-requests/2.32.3', accept: '*/*' };
const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' };

/**
 * The config text for a compile service URL, a mode, the audit log the blocks are written to and the learned
 * model's mode (the file's ${UPSTREAM_URL}, ${REPLAY_MODE}, ${REPLAY_AUDIT} and ${REPLAY_MODEL}).
 */
export function configYaml(upstreamUrl, mode, auditFile, model = 'off') {
  return readFileSync(CONFIG, 'utf8')
    .replaceAll('${UPSTREAM_URL:-http://127.0.0.1:3000}', upstreamUrl)
    .replaceAll('${REPLAY_MODEL:-off}', model)
    .replaceAll('${REPLAY_MODE:-enforce}', mode)
    .replaceAll('${REPLAY_AUDIT:-stderr}', JSON.stringify(auditFile));
}

/** Addresses blocked since the last call, from the audit log (written synchronously, one JSON line a change). */
function blocksSince(file, state) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const fresh = text.slice(state.offset);
  state.offset = text.length;
  return fresh
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
    .filter((l) => l.action === 'block')
    .map((l) => l.value);
}

/** mulberry32: the schedule is the same for a seed, in both modes. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MIN = 60_000;
/** Addresses from 198.18.0.0/15 (set aside for benchmarks): one /24 per client unless said otherwise. */
const addr = (net, host) => `198.${18 + (net >> 8)}.${net & 255}.${host}`;

const PROBES = [
  '/.env',
  '/.git/config',
  '/wp-login.php',
  '/phpinfo.php',
  '/.aws/credentials',
  '/server-status',
  '/.DS_Store',
  '/config.json',
  '/admin',
  '/api/v1/users',
  '/backup.zip',
  '/.env.local',
  '/debug/vars',
  '/actuator/env',
  '/wp-admin/setup-config.php',
  '/.svn/entries',
  '/console',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/.htpasswd',
  '/id_rsa',
  '/db.sql',
  '/cgi-bin/test.cgi',
  '/.well-known/security.txt',
  '/solr/admin',
  '/jenkins/login',
  '/owa/auth/logon.aspx',
  '/manager/html',
  '/.npmrc',
  '/.docker/config.json',
  '/storage/logs',
];

/** A TeX error every time, with a new line each time (an error farmer fishing for the compiler's messages). */
const failing = (i) =>
  `\\begin{tikzpicture}\n\\draw (0,0) -- (${i},1);\n\\pgfreplayundefined${'x'.repeat(i % 7)}\n\\end{tikzpicture}`;

/**
 * The scripted mix, sorted by virtual time (ms from the start). Each entry: actor, kind (well-behaved, new,
 * or the attacker's name), client address, headers, method, path, body, and what the compile should come to.
 * @param {{ diagrams: readonly string[]; exhaust: string; rotate: string; seed?: number;
 *   anonymous?: number; authenticated?: number; fresh?: number; perUser?: number }} o
 */
export function scenario(o) {
  const random = rng(o.seed ?? 13);
  const pick = () => o.diagrams[Math.floor(random() * o.diagrams.length)];
  const out = [];
  const compile = (code, extra) => ({
    method: 'POST',
    path: '/compile',
    body: JSON.stringify({ tikz_code: code }),
    ...extra,
  });
  const perUser = o.perUser ?? 20;
  // people make mistakes: every 10th diagram of a regular user has a typo TeX stops on (a real TeX error)
  const typo = (code, i) => (i % 10 === 9 ? { code: `${code}\n\\typo`, expect: 'tex_error' } : { code });
  const regular = (i) => {
    const { code, expect } = typo(pick(), i);
    return compile(code, expect === undefined ? {} : { expect });
  };
  let net = 1;
  // well-behaved anonymous people (a browser), one diagram every 0.5-2 minutes
  for (let u = 0; u < (o.anonymous ?? 6); u++) {
    const ip = addr(net++, 10 + u);
    let t = random() * 10 * MIN;
    for (let i = 0; i < perUser; i++, t += (0.5 + 1.5 * random()) * MIN)
      out.push({ t, actor: `anon-${u}`, kind: 'well-behaved', ip, headers: BROWSER, ...regular(i) });
  }
  // well-behaved API clients with a key, a script at the same pace
  const users = Object.keys(KEYS);
  for (let u = 0; u < (o.authenticated ?? 3); u++) {
    const user = users[u % users.length];
    const ip = addr(net++, 20 + u);
    const headers = { ...SCRIPT, 'x-api-key': KEYS[user] };
    let t = random() * 10 * MIN;
    for (let i = 0; i < perUser; i++, t += (0.5 + 1.5 * random()) * MIN)
      out.push({ t, actor: `key-${user}`, kind: 'well-behaved', ip, headers, ...regular(i) });
  }
  // brand-new people: a first visit of one to three diagrams, spread over the hour
  for (let u = 0; u < (o.fresh ?? 25); u++) {
    const ip = addr(net++, 30 + (u % 200));
    let t = random() * 60 * MIN;
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++, t += (0.2 + random()) * MIN)
      out.push({ t, actor: `new-${u}`, kind: 'new', ip, headers: u % 2 ? BROWSER : CURL, ...compile(pick()) });
  }
  // a scanner: a path a second, and every 4th request the service's own /health
  {
    const ip = addr(net++, 66);
    for (let i = 0; i < 40; i++) {
      const path = i % 4 === 3 ? '/health' : PROBES[i % PROBES.length];
      out.push({ t: 5 * MIN + i * 1000, actor: 'scanner', kind: 'scanner', ip, headers: CURL, method: 'GET', path });
    }
  }
  // a guesser of API keys: a diagram with a new key every 2 seconds
  {
    const ip = addr(net++, 77);
    for (let i = 0; i < 25; i++) {
      const headers = { ...SCRIPT, 'x-api-key': `guess-${(i * 2654435761) >>> 0}` };
      out.push({ t: 10 * MIN + i * 2000, actor: 'key-guesser', kind: 'key-guesser', ip, headers, ...compile(pick()) });
    }
  }
  // an error farmer: TeX that fails, every 15 seconds
  {
    const ip = addr(net++, 88);
    for (let i = 0; i < 30; i++)
      out.push({
        t: 15 * MIN + i * 15_000,
        actor: 'error-farmer',
        kind: 'error-farmer',
        ip,
        headers: CURL,
        expect: 'tex_error',
        ...compile(failing(i)),
      });
  }
  // a resource exhauster: a diagram that runs past the compile time-out, every 30 seconds
  {
    const ip = addr(net++, 99);
    for (let i = 0; i < 8; i++)
      out.push({
        t: 20 * MIN + i * 30_000,
        actor: 'exhauster',
        kind: 'exhauster',
        ip,
        headers: CURL,
        expect: 'timeout',
        ...compile(o.exhaust),
      });
  }
  // the same exhausting payload from a new network each time (rotating addresses, not payloads)
  for (let i = 0; i < 6; i++)
    out.push({
      t: 25 * MIN + i * MIN,
      actor: 'rotator',
      kind: 'rotator',
      ip: addr(net++, 111),
      headers: BROWSER,
      expect: 'timeout',
      ...compile(o.rotate),
    });
  // low and slow: one guessed key every 5 minutes, for two hours
  {
    const ip = addr(net++, 123);
    for (let i = 0; i < 24; i++) {
      const headers = { ...SCRIPT, 'x-api-key': `slow-${(i * 40503) >>> 0}` };
      out.push({
        t: i * 5 * MIN,
        actor: 'low-and-slow',
        kind: 'low-and-slow',
        ip,
        headers,
        method: 'GET',
        path: '/health',
      });
    }
  }
  out.sort((a, b) => a.t - b.t || (a.actor < b.actor ? -1 : 1));
  return out;
}

/** The outcome each scripted payload comes to, for the scripted compile service (well-behaved: ok). */
export function scriptedOutcomes(schedule) {
  const m = new Map();
  for (const r of schedule) {
    if (r.expect === undefined || r.body === undefined) continue;
    m.set(JSON.parse(r.body).tikz_code, r.expect);
  }
  return m;
}

/**
 * A stand-in for the compile service (the test's, for speed): answers each code with the outcome the scenario
 * scripted for it (ok otherwise), in the reference service's statuses and X-Compile-* headers, after a time
 * drawn from measured compile times (scaled by `scale`; the headers state the unscaled figure).
 * @param {{ outcomes: Map<string, string>; times: readonly number[]; timeoutMs?: number; scale?: number }} o
 */
export async function startScriptedCompileService(o) {
  const random = rng(7);
  const timeoutMs = o.timeoutMs ?? 20_000;
  const scale = o.scale ?? 0.02;
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      let code = '';
      try {
        code = String(JSON.parse(Buffer.concat(parts).toString('utf8')).tikz_code ?? '');
      } catch {
        // not a compile: health and the like
      }
      if (req.url !== '/compile') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      const outcome = o.outcomes.get(code) ?? 'ok';
      const ms = outcome === 'timeout' ? timeoutMs : o.times[Math.floor(random() * o.times.length)];
      const status = { ok: 200, tex_error: 422, timeout: 504 }[outcome];
      setTimeout(
        () => {
          const headers = {
            'x-compile-outcome': outcome,
            'x-compile-wall-ms': String(ms),
            'x-compile-cpu-ms': String(ms),
          };
          if (outcome === 'ok') {
            const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0L10 10"/></svg>';
            res.writeHead(200, { 'content-type': 'image/svg+xml', ...headers }).end(svg);
          } else {
            res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`{"error":"${outcome}"}`);
          }
        },
        Math.round(ms * scale),
      );
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Modules whose refusal is the request's ordinary answer, not a judgement of the client. */
const NATURAL = new Set(['route', 'identity']);

/**
 * What one request came to, from its answer and its security event: refused by a check that judges the client
 * (not a 404 or a wrong key, which every client gets), tightened (moved to the suspicious tier), or flagged in
 * monitor mode (the event says what enforce would have done).
 */
function judge(status, e, blocked) {
  const refusedBy = e === null || e.decision === 'allow' || e.decision === 'error' ? '' : e.module;
  const refused = refusedBy !== '' && !NATURAL.has(refusedBy);
  const trust = e?.trust?.decision ?? null;
  const monitor = e === null ? [] : e.mode === 'monitor' ? e.reasons : (e.monitor ?? []);
  // tightened: an identified client challenged (moved to the suspicious tier), or an address blocked for what
  // this request added (the block shows on its next request, which may come after the block ended)
  const tightened = !refused && ((trust !== null && trust !== 'allow') || blocked);
  return {
    status,
    refusedBy,
    reasons: e?.reasons ?? [],
    monitor,
    trust,
    score: e?.trust?.score ?? null,
    outcome: e?.compile?.outcome ?? null,
    refused,
    tightened,
    blocked,
    // the learned model's anomaly score (behaviour.model), when it scored this request
    model: e?.trust?.terms?.find((t) => t.component === 'model' && !t.unscored)?.evidence?.anomaly ?? null,
    flagged: refused || tightened || monitor.length !== 0,
  };
}

async function eventOf(events, id, waitMs = 2000) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (let i = events.length - 1; i >= 0; i--) if (events[i].request_id === id) return events[i];
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Sends the schedule one request at a time (the state each request meets is then the same in both modes up
 * to the first refusal), the clock set to each request's virtual time. `audit`: the config's audit log.
 * @param {{ url: string; events: { request_id: string }[] }} gw
 * @param {{ set(ms: number): void }} clock
 * @param {number} t0
 * @param {string} audit
 */
export async function play(gw, clock, t0, schedule, audit, onProgress = () => undefined) {
  const results = [];
  const seen = { offset: 0 };
  for (let n = 0; n < schedule.length; n++) {
    const r = schedule[n];
    clock.set(t0 + Math.round(r.t));
    const id = `replay-${n}`;
    const headers = { ...r.headers, 'x-forwarded-for': r.ip, 'x-request-id': id };
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(`${gw.url}${r.path}`, { method: r.method, headers, body: r.body });
    await res.body.text();
    const e = await eventOf(gw.events, id);
    // the log phase (behaviour's and trust's records, automatic blocks) settles on microtasks after the event
    await new Promise((resolve) => setImmediate(resolve));
    const blocked = blocksSince(audit, seen).includes(r.ip);
    results.push({ ...r, n, event: e !== null, ...judge(res.statusCode, e, blocked) });
    onProgress(n + 1, schedule.length);
  }
  return results;
}

/** Per attacker: the first flagged request and what it had done by then, against its bound. */
export function summarise(results) {
  const attackers = {};
  for (const name of ATTACKERS) {
    const mine = results.filter((r) => r.actor === name);
    const i = mine.findIndex((r) => r.flagged);
    // what it had done up to and including the flagged request (a key refused there was still a key tried)
    const before = i === -1 ? mine : mine.slice(0, i + 1);
    const at = i === -1 ? null : mine[i];
    const counted = {
      requests: i === -1 ? null : i + 1,
      'failed keys': before.filter((r) => r.refusedBy === 'identity').length,
      'failed compiles': before.filter((r) => r.outcome === 'tex_error').length,
      'time-outs': before.filter((r) => r.outcome === 'timeout').length,
      addresses: i === -1 ? null : new Set(mine.slice(0, i + 1).map((r) => r.ip)).size,
      minutes: at === null ? null : Math.round(((at.t - mine[0].t) / MIN) * 10) / 10,
    };
    const bound = BOUNDS[name];
    const value = counted[bound.counts];
    attackers[name] = {
      sent: mine.length,
      flaggedAt: i === -1 ? null : i + 1,
      by:
        at === null
          ? ''
          : at.refused
            ? at.reasons.join(',')
            : at.monitor.length
              ? at.monitor.join(',')
              : at.blocked
                ? 'blocked (decisions)'
                : `trust:${at.trust}`,
      value,
      bound: bound.max,
      counts: bound.counts,
      met: value !== null && i !== -1 && value <= bound.max,
      counted,
      outcomes: Object.fromEntries(
        [...new Set(mine.map((r) => r.outcome).filter((x) => x !== null))].map((o) => [
          o,
          mine.filter((r) => r.outcome === o).length,
        ]),
      ),
    };
  }
  const good = results.filter((r) => r.kind === 'well-behaved' || r.kind === 'new');
  // refused by the gateway for any reason (a limit too), or flagged; a typo's TeX error is the compiler's answer
  const bad = good.filter((r) => r.flagged || r.refusedBy !== '');
  const fresh = results.filter((r) => r.kind === 'new');
  return {
    attackers,
    wellBehaved: {
      requests: good.length,
      refusedOrChallenged: bad.length,
      share: good.length === 0 ? 0 : bad.length / good.length,
      clients: new Set(good.map((r) => r.actor)).size,
      flaggedClients: [...new Set(bad.map((r) => r.actor))].sort(),
      newRefused: fresh.filter((r) => r.refusedBy !== '' || r.flagged).length,
      newRequests: fresh.length,
      typos: good.filter((r) => r.expect === 'tex_error').length,
      // compiles that did not come to what was scripted (ok, or the typo's TeX error)
      notAsScripted: good.filter((r) => r.outcome !== (r.expect ?? 'ok')).length,
      // the lowest trust score a well-behaved compile got (the compile route allows from 60)
      minScore: Math.min(...good.filter((r) => r.path === '/compile' && r.score !== null).map((r) => r.score)),
    },
    withoutEvent: results.filter((r) => !r.event).length,
    model: modelFigures(results),
  };
}

/** What the learned model said, when it was on: requests it scored, and its mean score per kind of client. */
function modelFigures(results) {
  const scored = results.filter((r) => r.model !== null);
  if (scored.length === 0) return null;
  const mean = {};
  for (const kind of new Set(scored.map((r) => r.kind))) {
    const xs = scored.filter((r) => r.kind === kind).map((r) => r.model);
    mean[kind] = Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000;
  }
  return { scored: scored.length, mean };
}

/** Enforce against monitor: each attacker's first flag within ±2 requests; the same well-behaved clients flagged. */
export function compare(enforce, monitor) {
  const attackers = {};
  for (const name of ATTACKERS) {
    const a = enforce.attackers[name].flaggedAt;
    const b = monitor.attackers[name].flaggedAt;
    attackers[name] = { enforce: a, monitor: b, ok: a !== null && b !== null && Math.abs(a - b) <= 2 };
  }
  const e = new Set(enforce.wellBehaved.flaggedClients);
  const m = new Set(monitor.wellBehaved.flaggedClients);
  const onlyOne = [...e].filter((c) => !m.has(c)).concat([...m].filter((c) => !e.has(c)));
  return {
    attackers,
    onlyOne,
    ok: Object.values(attackers).every((x) => x.ok) && onlyOne.length === 0 && monitor.withoutEvent === 0,
  };
}

/** The printed report. */
export function report(enforce, monitor, cmp) {
  const lines = [];
  const pad = (s, n) => String(s).padEnd(n);
  lines.push(
    `${pad('attacker', 14)}${pad('sent', 6)}${pad('refused/tightened at', 22)}${pad('bound', 26)}${pad('met', 5)}by`,
  );
  for (const name of ATTACKERS) {
    const a = enforce.attackers[name];
    const at = a.flaggedAt === null ? 'never' : `request ${a.flaggedAt}`;
    const bound = `${a.value ?? '-'} ${a.counts} (<= ${a.bound})`;
    lines.push(
      `${pad(name, 14)}${pad(a.sent, 6)}${pad(at, 22)}${pad(bound, 26)}${pad(a.met ? 'yes' : 'NO', 5)}${a.by}`,
    );
  }
  const w = enforce.wellBehaved;
  lines.push(
    `well-behaved: ${w.requests} requests from ${w.clients} clients, ${w.refusedOrChallenged} refused or challenged ` +
      `(${(w.share * 100).toFixed(2)} %, bound < 1 %: ${w.share < 0.01 ? 'met' : 'NOT met'}); brand-new: ` +
      `${w.newRefused} of ${w.newRequests} refused (bound 0: ${w.newRefused === 0 ? 'met' : 'NOT met'}); ` +
      `${w.typos} typos (TeX errors) among them; ` +
      `lowest trust score ${w.minScore}` +
      (w.flaggedClients.length ? `; flagged: ${w.flaggedClients.join(', ')}` : ''),
  );
  if (enforce.model !== null)
    lines.push(
      `model: scored ${enforce.model.scored} requests; mean anomaly score by kind: ` +
        Object.entries(enforce.model.mean)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
  if (monitor !== null && cmp !== null) {
    lines.push('monitor mode against enforce (first flag, request number; within ±2):');
    for (const name of ATTACKERS) {
      const c = cmp.attackers[name];
      lines.push(
        `  ${pad(name, 14)}enforce ${pad(c.enforce ?? 'never', 6)}monitor ${pad(c.monitor ?? 'never', 6)}${c.ok ? 'ok' : 'NOT ok'}`,
      );
    }
    lines.push(
      `  well-behaved flagged in one mode only: ${cmp.onlyOne.length === 0 ? 'none' : cmp.onlyOne.join(', ')}; ` +
        `requests without a security event in monitor mode: ${monitor.withoutEvent}; faithful: ${cmp.ok ? 'yes' : 'NO'}`,
    );
  }
  return lines.join('\n');
}

const SEVERITY_NAMES = ['low', 'medium', 'high', 'critical'];

/**
 * The incidents a run opened (issue 14), each with who opened it (its subject's address, or for a source's
 * incident its last request `replay-<n>`), its severity, actions and time to respond: from the actor's first
 * request to the incident's opening, on the run's virtual clock (`t0` its start).
 * @param {{ resources: { get(key: string, make: () => never): { list(): Promise<any[]> } } }} gw
 */
export async function incidentsOf(gw, schedule, t0) {
  const svc = gw.resources.get('incidents', () => {
    throw new Error('incidents are not on in this configuration');
  });
  const actorOf = new Map(schedule.map((r) => [r.ip, r.actor]));
  const firstT = new Map();
  for (const r of schedule) if (!firstT.has(r.actor)) firstT.set(r.actor, r.t);
  return (await svc.list()).map((r) => {
    const actor =
      actorOf.get(r.subject.slice(3)) ??
      (/^replay-\d+$/.test(r.req) ? schedule[Number(r.req.slice(7))].actor : r.subject);
    return {
      actor,
      kind: r.kind,
      severity: SEVERITY_NAMES[r.sev] ?? null,
      count: r.count,
      actions: r.actions,
      respondS: r.opened === 0 ? null : Math.round((r.opened - t0 - (firstT.get(actor) ?? 0)) / 1000),
    };
  });
}

/** The incidents of a run, printed: one line each. */
export function incidentsReport(incidents) {
  const lines = incidents.map(
    (i) =>
      `  ${i.actor.padEnd(16)} ${i.kind.padEnd(12)} ${String(i.severity).padEnd(9)} opened ` +
      `${String(i.respondS ?? '-').padStart(5)} s after its first request, ${i.count} reports: ${i.actions.join('; ')}`,
  );
  return `incidents opened:\n${lines.join('\n')}`;
}

// Bench report: medians over rounds per target, ratios to the bare proxy taken within each round, validity
// (any answer but the row's expected status — 2xx unless told —, error or timeout makes a row invalid), the
// verdict of each gateway row against its --base row, and the Markdown table.

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

export function summarise(targets, runs) {
  const byRound = new Map();
  for (const r of runs) {
    if (!byRound.has(r.round)) byRound.set(r.round, new Map());
    byRound.get(r.round).set(r.target, r);
  }
  const rows = [];
  const invalid = [];
  for (const t of targets) {
    if (!t.ok) {
      rows.push({ target: t.name, kind: t.kind, benched: false, sanity: t.sanity });
      if (t.kind === 'gateway') invalid.push(t.name);
      continue;
    }
    const mine = runs.filter((r) => r.target === t.name);
    const ratios = [];
    const cpuDelta = [];
    for (const r of mine) {
      const bare = byRound.get(r.round)?.get(t.bare ?? 'bare-undici');
      if (!bare) continue;
      ratios.push(r.rps / bare.rps);
      if (r.proxy_cpu_us_per_req !== null && bare.proxy_cpu_us_per_req !== null)
        cpuDelta.push(r.proxy_cpu_us_per_req - bare.proxy_cpu_us_per_req);
    }
    const bad = mine.reduce((a, r) => a + unexpected(t, r) + r.errors + r.timeouts, 0);
    if (bad > 0) invalid.push(t.name);
    rows.push({
      target: t.name,
      kind: t.kind,
      benched: true,
      rounds: mine.length,
      rps: median(mine.map((r) => r.rps)),
      ratio: median(ratios),
      ratio_min: ratios.length ? Math.min(...ratios) : null,
      ratio_max: ratios.length ? Math.max(...ratios) : null,
      p50_us: median(mine.map((r) => r.p50_us)),
      p99_us: median(mine.map((r) => r.p99_us)),
      proxy_cpu_us_per_req: t.pid ? median(mine.map((r) => r.proxy_cpu_us_per_req)) : null,
      cpu_delta_us: t.pid ? median(cpuDelta) : null,
      upstream_cpu_us_per_req: median(mine.map((r) => r.upstream_cpu_us_per_req)),
      shared_cpu_us_per_req: median(mine.map((r) => r.shared_cpu_us_per_req)),
      loadgen_busy_pct: median(mine.map((r) => r.loadgen_busy_pct)),
      noise_pct: median(mine.map((r) => r.foreign_pct)),
      noise_max_pct: Math.max(...mine.map((r) => r.foreign_pct)),
      bad,
      non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
      expect: t.expect ?? null,
      unexpected: mine.reduce((a, r) => a + unexpected(t, r), 0),
      request: t.request ?? null,
      errors: mine.reduce((a, r) => a + r.errors + r.timeouts, 0),
      redone: mine.reduce((a, r) => a + r.discarded.length, 0),
    });
  }
  const aas = rows.filter((r) => r.kind === 'aa' && r.benched);
  const spread = (aa) => Math.max(Math.abs(1 - aa.ratio_min), Math.abs(aa.ratio_max - 1));
  const aaSpread = aas.length > 0 ? Math.max(...aas.map(spread)) : null;
  return { rows, invalid, aaSpread, versusBase: versusBase(targets, runs, byRound, rows, aaSpread) };
}

/**
 * Answers a run got that its row does not expect. A row expecting a 2xx (the default) counts non-2xx; a row
 * expecting a refusal (--reject: 403, 404, 415) counts every other status.
 */
function unexpected(t, r) {
  const expect = t.expect ?? 200;
  if (expect >= 200 && expect < 300) return r.non2xx;
  if (!r.statuses) return r.requests ?? 0; // nothing to show the statuses were the expected ones
  return Object.entries(r.statuses).reduce((a, [code, n]) => a + (Number(code) === expect ? 0 : n), 0);
}

/** The least slowdown a --base verdict calls a regression, however quiet the run's A/A row was. */
export const MIN_REGRESSION = 0.02;

/**
 * --base: each row with a `vsBase` row (a gateway and the same gateway built from the base commit, same
 * request) gets the median over rounds of its per-round ratio req/s(row) / req/s(base row), and a verdict: FAIL
 * when that median is below 1 - max(A/A spread, 2%) (slower than its base by more than the run's noise);
 * `invalid` when either row is not a result (not benched, or invalid).
 */
export function versusBase(targets, runs, byRound, rows, aaSpread) {
  const threshold = Math.max(aaSpread ?? 0, MIN_REGRESSION);
  const out = [];
  for (const t of targets) {
    if (!t.vsBase) continue;
    const row = rows.find((r) => r.target === t.name);
    const baseRow = rows.find((r) => r.target === t.vsBase);
    const judged = { target: t.name, base: t.vsBase, threshold, aaSpread };
    if (!row?.benched || !baseRow?.benched || row.bad > 0 || baseRow.bad > 0) {
      out.push({ ...judged, ratio: null, ratio_min: null, ratio_max: null, verdict: 'invalid' });
      continue;
    }
    const ratios = [];
    for (const r of runs) {
      if (r.target !== t.name) continue;
      const b = byRound.get(r.round)?.get(t.vsBase);
      if (b && b.rps > 0) ratios.push(r.rps / b.rps);
    }
    const ratio = median(ratios);
    out.push({
      ...judged,
      ratio,
      ratio_min: ratios.length ? Math.min(...ratios) : null,
      ratio_max: ratios.length ? Math.max(...ratios) : null,
      verdict: ratio === null ? 'invalid' : ratio < 1 - threshold ? 'FAIL' : 'pass',
    });
  }
  return out;
}

const f = (x, d = 0) => (x === null || x === undefined ? '—' : x.toFixed(d));
const ms = (us) => (us === null ? '—' : (us / 1000).toFixed(2));

export function markdown(h, s) {
  const reject = h.reject === true;
  const bare = reject ? 'bare-node' : 'bare-undici';
  const load = reject
    ? `- load: autocannon, ${h.connections} connections, the --reject requests below; `
    : `- load: autocannon, ${h.connections} connections, POST /compile with ` +
      `${h.bodies.map((b) => `${b.file} (${b.bytes} bytes)`).join(' and ')}` +
      `${h.bodies[0].vary ? ', a different body on every request (--vary-body)' : ''}; `;
  const lines = [
    `# portcullis bench${reject ? ' --reject' : ''} ${h.when}`,
    '',
    load + `${h.rounds} rounds, each runs every target once (${h.warmup_s} s warm-up, then ${h.duration_s} s measured)`,
    `- pinning: ${h.pinning}; node ${h.node}${h.nodeFlags ? `, flags ${h.nodeFlags} for every Node proxy` : ''}`,
    `- gateways: ${h.gateways.map((g) => `${g.name}=${g.file}`).join(', ')}`,
  ];
  if (h.base)
    lines.push(
      `- base: rows NAME@base run the gateway built from ${h.base.ref} (commit ${h.base.commit.slice(0, 12)}) in a ` +
        `temporary worktree, node_modules: ${h.base.deps}; ` +
        (h.base.ownConfig
          ? `each NAME@base row runs the base's own version of NAME's config file (--base-own-config)`
          : `same config file, its relative paths (rules/) resolved in each row's own tree`),
    );
  if (reject) {
    lines.push(
      `- requests (rows NAME@LABEL): each gateway row must answer its request with the status after →, ${bare} ` +
        `(a node:http server that reads the body and answers 200) gets the same request:`,
    );
    for (const q of h.requests)
      lines.push(
        `  - ${q.label}: ${q.method} ${q.path}${q.contentType ? `, ${q.contentType}` : ''}` +
          `${q.bytes ? `, ${q.bytes}-byte body` : ''} → ${q.expect}: ${q.what}`,
      );
  }
  lines.push(
    '',
    `| target | req/s | × bare (min–max) | p50 ms | p99 ms | proxy CPU µs/req | Δ CPU µs/req vs bare | ${reject ? 'status (others) / errors' : 'non-2xx / errors'} | noise % (max) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of s.rows) {
    if (!r.benched) {
      lines.push(`| ${r.target} | not benched: sanity answered ${r.sanity.status} ${r.sanity.type} | | | | | | | |`);
      continue;
    }
    const name = r.bad > 0 ? `${r.target} **INVALID**` : r.target;
    const answers = reject ? `${r.expect ?? 200} (${r.unexpected} others) / ${r.errors}` : `${r.non2xx} / ${r.errors}`;
    lines.push(
      `| ${name} | ${f(r.rps)} | ${f(r.ratio, 3)} (${f(r.ratio_min, 2)}–${f(r.ratio_max, 2)}) | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ` +
        `${f(r.proxy_cpu_us_per_req, 1)} | ${f(r.cpu_delta_us, 1)} | ${answers} | ${f(r.noise_pct, 1)} (${f(r.noise_max_pct, 1)}) |`,
    );
  }
  lines.push('');
  lines.push(
    `Medians over rounds; × bare is the median of per-round ratios of requests/s to ${bare}${reject ? ' on the same request' : ''}.`,
  );
  if (reject)
    lines.push(
      `Non-2xx answers are what the gateway rows measure here: a row is invalid only on another status than its own, an error or a timeout.`,
      `refusal-floor is node:http answering every request with the gateway's 404 as the gateway writes it (security headers, request id, JSON body) and nothing else: no gateway row can be faster than it.`,
    );
  if (s.aaSpread !== null)
    lines.push(
      `A/A: ${bare}-aa strays up to ±${f(s.aaSpread * 100, 1)}% from 1.00 this run: differences smaller than that are noise.`,
    );
  const goals = s.rows.filter((r) => r.benched && r.kind === 'gateway' && r.request?.goal);
  if (goals.length > 0) {
    lines.push('', `Refusal speed against the issue's goal (gateway ÷ ${bare}; POST ≥ 0.5x, GET ≥ 0.7x):`, '');
    for (const r of goals)
      lines.push(
        `- ${r.target}: ${f(r.ratio, 3)}x (goal ≥ ${r.request.goal}x: ${r.ratio !== null && r.ratio >= r.request.goal ? 'met' : '**not met**'})`,
      );
    lines.push('');
  }
  if (s.versusBase?.length > 0) {
    const v0 = s.versusBase[0];
    lines.push(
      '',
      `Against the base (median over rounds of the per-round ratio of requests/s, working tree ÷ base; FAIL when ` +
        `slower than the base by more than max(A/A spread ${v0.aaSpread === null ? '—' : `${f(v0.aaSpread * 100, 1)}%`}, ` +
        `${f(MIN_REGRESSION * 100, 0)}%) = ${f(v0.threshold * 100, 1)}%):`,
      '',
    );
    for (const v of s.versusBase)
      lines.push(
        `- ${v.target} ÷ ${v.base}: ${v.ratio === null ? '—' : `${f(v.ratio, 3)} (${f(v.ratio_min, 2)}–${f(v.ratio_max, 2)})`}: ` +
          `${v.verdict === 'FAIL' ? `**FAIL** (${f((1 - v.ratio) * 100, 1)}% slower)` : v.verdict === 'invalid' ? 'no verdict (a row is invalid or not benched)' : v.ratio > 1 + v.threshold ? 'pass (faster)' : 'pass'}`,
      );
    lines.push('');
  }
  const sh = s.rows.find((r) => r.benched && r.shared_cpu_us_per_req);
  if (sh)
    lines.push(
      `Shared processes (--shared-pid): ${s.rows
        .filter((r) => r.benched)
        .map((r) => `${r.target} ${f(r.shared_cpu_us_per_req, 1)}`)
        .join(', ')} µs/req.`,
    );
  const lgMax = Math.max(...s.rows.filter((r) => r.benched).map((r) => r.loadgen_busy_pct ?? 0));
  lines.push(
    `Load generator busy up to ${f(lgMax, 0)}% of its CPU${lgMax > 90 ? ' (saturated: that row measures the load generator)' : ''}.`,
  );
  if (s.invalid.length)
    lines.push(
      reject
        ? `**Invalid rows** (another status than the row's own, an error or a timeout, or that status not answered to the sanity request): ${s.invalid.join(', ')}.`
        : `**Invalid rows** (any non-2xx, error or timeout, or no 200 to the sanity request): ${s.invalid.join(', ')}.`,
    );
  return lines.join('\n') + '\n';
}

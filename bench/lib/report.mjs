// Bench report: medians over rounds per target, ratios to the bare proxy taken within each round, validity
// (any non-2xx, error or timeout makes a row invalid), and the Markdown table.

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
    const bad = mine.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
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
      errors: mine.reduce((a, r) => a + r.errors + r.timeouts, 0),
      redone: mine.reduce((a, r) => a + r.discarded.length, 0),
    });
  }
  const aas = rows.filter((r) => r.kind === 'aa' && r.benched);
  const spread = (aa) => Math.max(Math.abs(1 - aa.ratio_min), Math.abs(aa.ratio_max - 1));
  return { rows, invalid, aaSpread: aas.length > 0 ? Math.max(...aas.map(spread)) : null };
}

const f = (x, d = 0) => (x === null || x === undefined ? '—' : x.toFixed(d));
const ms = (us) => (us === null ? '—' : (us / 1000).toFixed(2));

export function markdown(h, s) {
  const bodies = h.bodies.map((b) => `${b.file} (${b.bytes} bytes)`).join(' and ');
  const lines = [
    `# portcullis bench ${h.when}`,
    '',
    `- load: autocannon, ${h.connections} connections, POST /compile with ${bodies}` +
      `${h.bodies[0].vary ? ', a different body on every request (--vary-body)' : ''}; ` +
      `${h.rounds} rounds, each runs every target once (${h.warmup_s} s warm-up, then ${h.duration_s} s measured)`,
    `- pinning: ${h.pinning}; node ${h.node}${h.nodeFlags ? `, flags ${h.nodeFlags} for every Node proxy` : ''}`,
    `- gateways: ${h.gateways.map((g) => `${g.name}=${g.file}`).join(', ')}`,
    '',
    '| target | req/s | × bare (min–max) | p50 ms | p99 ms | proxy CPU µs/req | Δ CPU µs/req vs bare | non-2xx / errors | noise % (max) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of s.rows) {
    if (!r.benched) {
      lines.push(`| ${r.target} | not benched: sanity answered ${r.sanity.status} ${r.sanity.type} | | | | | | | |`);
      continue;
    }
    const name = r.bad > 0 ? `${r.target} **INVALID**` : r.target;
    lines.push(
      `| ${name} | ${f(r.rps)} | ${f(r.ratio, 3)} (${f(r.ratio_min, 2)}–${f(r.ratio_max, 2)}) | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ` +
        `${f(r.proxy_cpu_us_per_req, 1)} | ${f(r.cpu_delta_us, 1)} | ${r.non2xx} / ${r.errors} | ${f(r.noise_pct, 1)} (${f(r.noise_max_pct, 1)}) |`,
    );
  }
  lines.push('');
  lines.push('Medians over rounds; × bare is the median of per-round ratios of requests/s to bare-undici.');
  if (s.aaSpread !== null)
    lines.push(
      `A/A: bare-undici-aa strays up to ±${f(s.aaSpread * 100, 1)}% from 1.00 this run: differences smaller than that are noise.`,
    );
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
      `**Invalid rows** (any non-2xx, error or timeout, or no 200 to the sanity request): ${s.invalid.join(', ')}.`,
    );
  return lines.join('\n') + '\n';
}

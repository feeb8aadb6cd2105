// @ts-check
// Measures the compile service on a few typical diagrams: median wall and CPU milliseconds (from the X-Compile-*
// headers) and SVG size; then the first diagram side by side with the same two commands run bare (no prlimit,
// unshare or HTTP), alternating, to show what the service adds.
// Usage: node examples/compile-service/measure.mjs [rounds]   (default 7, sequential)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { wrapDocument } from './compile.mjs';
import { startCompileService } from './server.mjs';

/** @type {Record<string, string>} */
const DIAGRAMS = {
  'line + label': String.raw`\draw[thick,->] (0,0) -- (2,1) node[right] {$x^2$};`,
  'flowchart, 4 nodes': String.raw`\usetikzlibrary{positioning,arrows.meta}
\begin{tikzpicture}[box/.style={draw,rounded corners,minimum width=2cm}, >={Stealth}]
\node[box] (a) {Start}; \node[box,below=of a] (b) {Read input}; \node[box,below=of b] (c) {Compile};
\node[box,right=of c] (d) {Answer}; \draw[->] (a) -- (b); \draw[->] (b) -- (c); \draw[->] (c) -- (d);
\end{tikzpicture}`,
  'function plot, 200 samples': String.raw`\draw[->] (-3,0) -- (3,0); \draw[->] (0,-1.2) -- (0,1.2);
\draw[domain=-3:3,samples=200,smooth,blue] plot (\x,{sin(\x r)});`,
  '20x20 grid of shaded circles': String.raw`\foreach \i in {1,...,20} \foreach \j in {1,...,20}
  \fill[red!\i!blue!\j] (\i/4,\j/4) circle (0.1);`,
};

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const rounds = Number(process.argv[2] ?? 7);
const svc = await startCompileService();
try {
  console.log('| diagram | wall ms (median) | CPU ms (median) | SVG bytes |');
  console.log('|---|---|---|---|');
  for (const [name, code] of Object.entries(DIAGRAMS)) {
    /** @type {number[]} */
    const wall = [];
    /** @type {number[]} */
    const cpu = [];
    let size = 0;
    for (let i = 0; i < rounds; i++) {
      const res = await fetch(`${svc.url}/compile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tikz_code: code }),
      });
      const body = await res.text();
      if (res.headers.get('x-compile-outcome') !== 'ok') throw new Error(`${name}: ${res.status} ${body}`);
      wall.push(Number(res.headers.get('x-compile-wall-ms')));
      cpu.push(Number(res.headers.get('x-compile-cpu-ms')));
      size = Buffer.byteLength(body);
    }
    console.log(`| ${name} | ${median(wall)} | ${median(cpu)} | ${size} |`);
  }

  // Side by side: the same latex and dvisvgm command lines in a bare shell, CPU from the same `times` report.
  const [name, code] = Object.entries(DIAGRAMS)[0] ?? ['', ''];
  const script =
    'latex -no-shell-escape -interaction=nonstopmode -halt-on-error job.tex >/dev/null && ' +
    'dvisvgm --no-fonts --page=1 --no-specials=ps,pdf,html,em --output=job.svg job.dvi 2>/dev/null; times';
  /** @type {Record<'bare' | 'service', { wall: number[]; cpu: number[] }>} */
  const side = { bare: { wall: [], cpu: [] }, service: { wall: [], cpu: [] } };
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'measure-bare-'));
    writeFileSync(join(dir, 'job.tex'), wrapDocument(code).tex);
    const t0 = performance.now();
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    side.bare.wall.push(performance.now() - t0);
    const ms = [...(r.stdout.trim().split('\n')[1] ?? '').matchAll(/(\d+)m(\d+)\.(\d+)s/g)].map(
      (m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000 + Number(m[3]),
    );
    side.bare.cpu.push((ms[0] ?? 0) + (ms[1] ?? 0));
    rmSync(dir, { recursive: true, force: true });

    const t1 = performance.now();
    const res = await fetch(`${svc.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tikz_code: code }),
    });
    await res.text();
    side.service.wall.push(performance.now() - t1);
    side.service.cpu.push(Number(res.headers.get('x-compile-cpu-ms')));
  }
  const w = median(side.service.wall) / median(side.bare.wall);
  const c = median(side.service.cpu) / median(side.bare.cpu);
  console.log(`\n${name}, ${rounds} alternating rounds (medians):`);
  console.log(`  bare latex + dvisvgm: wall ${median(side.bare.wall).toFixed(0)} ms, CPU ${median(side.bare.cpu)} ms`);
  console.log(
    `  through the service (HTTP, prlimit, unshare): wall ${median(side.service.wall).toFixed(0)} ms, ` +
      `CPU ${median(side.service.cpu)} ms  (ratios ${w.toFixed(2)} / ${c.toFixed(2)})`,
  );
} finally {
  await svc.close();
}

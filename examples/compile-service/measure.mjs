// @ts-check
// Measures the compile service on a few typical diagrams: median wall and CPU milliseconds (from the X-Compile-*
// headers) and SVG size. Usage: node examples/compile-service/measure.mjs [rounds]   (default 7, sequential)
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
} finally {
  await svc.close();
}

// Writes bench/bodies/tikz-10k.json: a ~10 KB compile request (a plotted grid of labelled nodes and edges),
// deterministic, so every run posts the same bytes; and the *-vary.json twins of it and of tikz-620.json,
// the same size with one node label the placeholder 00000000, which `npm run bench -- --vary-body` turns
// into a request number (every request a diagram the gateway has not seen); and reject-write18.json, tikz-620's
// diagram with a shell escape added (npm run bench -- --reject). Usage: node bench/make-bodies.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_BYTES = 10 * 1024;
const lines = ['\\begin{tikzpicture}[scale=0.8,>=stealth,every node/.style={font=\\small}]'];
lines.push('  \\draw[help lines,step=0.5] (0,0) grid (12,8);');
let i = 0;
// Add rows until the JSON would pass the target size, then stop (one row of slack at most).
for (;;) {
  const x = (i % 12) + 0.5;
  const y = (Math.floor(i / 12) % 8) + 0.5;
  const row = [
    `  \\node[draw,circle,fill=blue!${((i * 7) % 60) + 10}] (n${i}) at (${x},${y}) {$v_{${i}}$};`,
    i > 0
      ? `  \\draw[->,thick,color=red!${((i * 13) % 80) + 20}!black] (n${i - 1}) -- (n${i}) node[midway,above] {$e_{${i}}$};`
      : '',
    `  \\fill[green!40!black] (${x},${y}) ++(0.2,0.2) circle (1pt);`,
  ]
    .filter(Boolean)
    .join('\n');
  const next = [...lines, row, '\\end{tikzpicture}'].join('\n');
  if (JSON.stringify({ tikz_code: next }).length > TARGET_BYTES) break;
  lines.push(row);
  i++;
}
lines.push('\\end{tikzpicture}');
const body = JSON.stringify({ tikz_code: lines.join('\n') });
const dir = join(dirname(fileURLToPath(import.meta.url)), 'bodies');
const out = join(dir, 'tikz-10k.json');
writeFileSync(out, body);
console.log(`${out}: ${Buffer.byteLength(body)} bytes, ${i} nodes`);

/** A twin of `text` with the node label `label` (as long as the placeholder with its braces) replaced. */
function vary(text, label, file) {
  const placeholder = '{00000000}';
  if (label.length !== placeholder.length || !text.includes(label)) throw new Error(`${file}: no label ${label}`);
  const twin = text.replace(label, placeholder);
  writeFileSync(join(dir, file), twin);
  console.log(`${join(dir, file)}: ${Buffer.byteLength(twin)} bytes, label ${label} -> ${placeholder}`);
}
vary(readFileSync(join(dir, 'tikz-620.json'), 'utf8'), '{parabola}', 'tikz-620-vary.json');
vary(body, '{$v_{10}$}', 'tikz-10k-vary.json');

// npm run bench -- --reject's refused-after-the-body request: tikz-620.json with a shell escape added, which the
// shipped signatures refuse (403) once the body is read.
{
  const tikz = JSON.parse(readFileSync(join(dir, 'tikz-620.json'), 'utf8')).tikz_code;
  const bad = JSON.stringify({
    tikz_code: tikz.replace('\\end{tikzpicture}', '  \\immediate\\write18{id}\n\\end{tikzpicture}'),
  });
  writeFileSync(join(dir, 'reject-write18.json'), bad);
  console.log(`${join(dir, 'reject-write18.json')}: ${Buffer.byteLength(bad)} bytes, a \\write18 in the diagram`);
}

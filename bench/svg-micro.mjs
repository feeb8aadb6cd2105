// The SVG inspection's CPU cost per KB: the response check (UTF-8 decode, strict parse, allow-list, canvas) on a
// real dvisvgm SVG, in refuse and strip mode, beside the bare saxes parse it is built on. CPU time of this process
// (process.cpuUsage), median of --runs runs of --iterations inspections each, after a warm-up.
// Usage: npm run build && node bench/svg-micro.mjs [--file bench/bodies/dvisvgm-30k.svg] [--runs 21]
//        [--iterations 200] [--compare]   (--compare: also fast-xml-parser and sax, when installed with
//        npm install --no-save fast-xml-parser sax; they are not dependencies)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SaxesParser } from 'saxes';
import { buildSvgCheck } from '../dist/response/svg-check.js';
import { svgSchema } from '../dist/response/config.js';
import { RequestContext } from '../dist/core/context.js';

const { values: o } = parseArgs({
  options: {
    file: { type: 'string', default: 'bench/bodies/dvisvgm-30k.svg' },
    runs: { type: 'string', default: '21' },
    iterations: { type: 'string', default: '200' },
    compare: { type: 'boolean', default: false },
  },
});
const body = readFileSync(o.file);
const kb = body.length / 1024;
const runs = Number(o.runs);
const iterations = Number(o.iterations);

const check = (action) => buildSvgCheck({ route: 'bench', config: svgSchema.parse({ action }), canaries: [] });
const headers = { 'content-type': 'image/svg+xml' };
const answer = { status: 200, headers, body };
const judged = (c) => () => {
  const v = c.run(new RequestContext('POST', {}, 0), answer);
  if (v.kind !== 'continue' || v.body !== undefined) throw new Error('the bench SVG must pass unchanged');
};

const subjects0 = [
  ['check, action refuse', judged(check('refuse'))],
  ['check, action strip', judged(check('strip'))],
  [
    'saxes parse only (xmlns, no positions)',
    () => {
      const p = new SaxesParser({ xmlns: true, position: false });
      p.on('opentag', () => undefined);
      p.write(body.toString('utf8')).close();
    },
  ],
];

// The bare parse first: measured before the check's handlers have made saxes's call sites polymorphic.
const subjects = [subjects0[2], subjects0[0], subjects0[1]];
if (o.compare) {
  try {
    const { XMLParser, XMLValidator } = await import('fast-xml-parser');
    const parser = new XMLParser({ ignoreAttributes: false, preserveOrder: true });
    subjects.push([
      'fast-xml-parser validate + parse',
      () => {
        const s = body.toString('utf8');
        if (XMLValidator.validate(s) !== true) throw new Error('invalid');
        parser.parse(s);
      },
    ]);
  } catch {
    console.error('--compare: fast-xml-parser not installed (npm install --no-save fast-xml-parser)');
  }
  try {
    const sax = (await import('sax')).default;
    subjects.push([
      'sax strict, xmlns',
      () => {
        const p = sax.parser(true, { xmlns: true });
        p.onerror = (e) => {
          throw e;
        };
        p.write(body.toString('utf8')).close();
      },
    ]);
  } catch {
    console.error('--compare: sax not installed (npm install --no-save sax)');
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`${o.file}: ${body.length} bytes (${kb.toFixed(1)} KB); median of ${runs} runs x ${iterations}`);
console.log('| subject | µs CPU per SVG | µs CPU per KB |');
console.log('|---|---:|---:|');
for (const [name, fn] of subjects) {
  for (let i = 0; i < iterations; i++) fn(); // warm-up: optimised code, not the interpreter, is measured
  const perDoc = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const d = process.cpuUsage(t0);
    perDoc.push((d.user + d.system) / iterations);
  }
  const m = median(perDoc);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m / kb).toFixed(2)} |`);
}

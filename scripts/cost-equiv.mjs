// Equivalence check of two builds of the compile-cost estimate (not a test): same texts, same results.
// Run after `npm run build` here and in a worktree of the other commit (built there too):
//   node scripts/cost-equiv.mjs --against <other dist> [--dist <this dist, default ./dist>] [--mutations 8]
//                               [--own-arrays] [--quick]
// Texts: the PGF manual's code examples (scripts/fetch-pgf-manual.sh; left out, with a line saying so, when the
// manual is not there), the generated attack corpus's TeX payloads (test/corpus/attacks.ts), and every string of
// the files under test/vectors and bench/bodies that holds a backslash or is longer than 20 characters; each also
// with --mutations deterministic mutations (an insertion of something the reader treats specially, a deletion, a
// stretch of the text copied elsewhere in it). Each text is estimated by both builds with estimateText and
// estimateFields at two default bounds (1000 and 7); units, totals, normalised and the breakdown are compared as
// JSON. Steps are not: a change may look at characters another way (the linearity tests bound them).
// `--own-arrays`: both builds copied to a temporary folder with the reader's shared array cut to 48 units, so that
// nearly every text is read from an array of its own (the reader's second path: nextEventIn, nameAtIn, and the
// handlers' `own` branches). `--quick`: one mutation per text.
// Prints the counts and the first 10 differences; exit code 1 on any difference.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { importTs } from './select-pgf-compilable.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const { values: o } = parseArgs({
  options: {
    dist: { type: 'string', default: join(ROOT, 'dist') },
    against: { type: 'string' },
    mutations: { type: 'string', default: '8' },
    'own-arrays': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
if (o.against === undefined) {
  console.error(
    'usage: node scripts/cost-equiv.mjs --against <other dist> [--dist DIR] [--mutations N] [--own-arrays] [--quick]',
  );
  process.exit(2);
}

const temps = [];
/** A build's estimate module; with --own-arrays, from a copy whose shared array holds 48 units. */
async function estimateOf(dist) {
  let dir = resolve(dist);
  if (o['own-arrays']) {
    const copy = mkdtempSync(join(tmpdir(), 'cost-equiv-'));
    temps.push(copy);
    cpSync(dir, copy, { recursive: true });
    const reader = join(copy, 'cost', 'reader.js');
    const src = readFileSync(reader, 'utf8');
    const cut = src.replace(/const SCRATCH_UNITS = [^;]+;/, 'const SCRATCH_UNITS = 48;');
    if (cut === src) throw new Error(`${reader}: no SCRATCH_UNITS to cut`);
    writeFileSync(reader, cut);
    dir = copy;
  }
  return import(pathToFileURL(join(dir, 'cost', 'estimate.js')).href);
}
const A = await estimateOf(o.dist);
const B = await estimateOf(o.against);

// The test corpus helpers, transpiled by the project's importTs: the same texts the tests read.
const corpusDir = mkdtempSync(join(tmpdir(), 'cost-equiv-corpus-'));
temps.push(corpusDir);
const { hasPgfManual, loadPgfManual } = await importTs('test/corpus/pgf-manual.ts', corpusDir);
const { texAttacks } = await importTs('test/corpus/attacks.ts', corpusDir);

const texts = [];
let manual = 0;
if (hasPgfManual()) {
  for (const s of loadPgfManual()) texts.push(s.text);
  manual = texts.length;
} else console.log('the PGF manual is not there (bash scripts/fetch-pgf-manual.sh): its examples are left out');
const attacks = texAttacks().map((a) => a.tex);
texts.push(...attacks);
let fromFiles = 0;
const fromFile = (t) => {
  texts.push(t);
  fromFiles++;
};
const pick = (v) => {
  if (typeof v === 'string') {
    if (v.includes('\\') || v.length > 20) fromFile(v);
  } else if (Array.isArray(v)) v.forEach(pick);
  else if (v !== null && typeof v === 'object') Object.values(v).forEach(pick);
};
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.json')) {
      const raw = readFileSync(p, 'utf8');
      try {
        pick(JSON.parse(raw));
      } catch {
        fromFile(raw);
      }
    } else if (/\.(tex|ya?ml)$/.test(f)) fromFile(readFileSync(p, 'utf8'));
  }
};
walk(join(ROOT, 'test', 'vectors'));
walk(join(ROOT, 'bench', 'bodies'));

// Mutations: a linear congruential generator from a fixed seed, so that every run reads the same texts.
let seed = 12345;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const BITS = [
  '%',
  '^^',
  '^^5c',
  '\\',
  '{',
  '}',
  ';',
  '(',
  ')',
  '%\n',
  '\n',
  'verbatim',
  '\\verb',
  '\\catcode',
  '^',
  'grid',
  'samples=',
  'step=',
  ' ',
  '=',
  ',',
  ']',
  '[',
  '\\foreach \\x in {1,...,10}',
  '%41',
  '%u0041',
  'é',
  '\u{1F600}',
  '\ud800',
  '1e5',
  '-',
  '.',
  'scale=',
  'plot',
  'decorate',
  'l-system',
  '\\def\\a{',
  '\\edef',
  '\\loop',
  '\\repeat',
  '\\ifnum',
  '\\let',
  '\\csname',
  '(1,2)',
  '(-0.5, 3cm)',
  '(30:2)',
];
function mutate(t) {
  let s = t;
  for (let k = 1 + rnd(3); k > 0; k--) {
    const at = rnd(s.length + 1);
    const op = rnd(3);
    if (op === 0) s = s.slice(0, at) + BITS[rnd(BITS.length)] + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + rnd(4));
    else s = s.slice(0, at) + s.slice(rnd(s.length + 1)).slice(0, 20) + s.slice(at);
  }
  return s;
}

const mutations = o.quick ? 1 : Math.max(0, Number(o.mutations));
const OPTIONS = [{ defaultBound: 1000 }, { defaultBound: 7 }];
let n = 0;
let differences = 0;
const resultOf = (E, t, options) => {
  const c = E.estimateText(t, options);
  const f = E.estimateFields([{ name: 'tikz_code', path: 'tikz_code', value: t, code: true }], options);
  return JSON.stringify([c.units, c.totals, c.normalised, f.units, f.breakdown]);
};
function compare(t) {
  for (const options of OPTIONS) {
    n++;
    const a = resultOf(A, t, options);
    const b = resultOf(B, t, options);
    if (a !== b && differences++ < 10)
      console.log(
        `difference (default bound ${options.defaultBound}) on ${JSON.stringify(t.slice(0, 200))}:\n  ${a}\n  ${b}`,
      );
  }
}
for (const t of texts) {
  compare(t);
  for (let m = 0; m < mutations; m++) compare(mutate(t));
}
for (const d of temps) rmSync(d, { recursive: true, force: true });
console.log(
  `${differences} differences in ${n} estimates: ${texts.length} texts (${manual} PGF manual examples, ` +
    `${attacks.length} attack payloads, ${fromFiles} from vector and body files), ${mutations} mutations each, ` +
    `2 default bounds${o['own-arrays'] ? ', shared array cut to 48 units' : ''}`,
);
process.exit(differences === 0 ? 0 : 1);

// False positives on the second development corpus (issue 16): every whole tikzpicture environment of the
// manuals in Debian's texlive-latex-extra-doc and texlive-science-doc (scripts/fetch-texlive-docs.sh), sent as
// the shipped gateway.yaml would judge a POST /compile from an anonymous client: the signatures with the
// positive model (paranoia 1) and the compile-cost estimate against the tier's maximum. Writes the figures per
// package to data/texlive-docs-fp.json (checked in; CI checks the file, it does not re-measure) and prints the
// refused samples for hand-checking. Pictures that run a program or read a file outside the job leave the
// denominator, as for the PGF manual, each named with its reason in data/texlive-docs-excluded.json.
// Usage: npm run build && bash scripts/fetch-texlive-docs.sh && node scripts/texlive-docs-fp.mjs [CACHE_DIR]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractTikzPictures, notWhole } from './lib/tikz-extract.mjs';

const REPO = join(fileURLToPath(import.meta.url), '../..');
const dir =
  process.argv[2] ??
  process.env.TEXLIVE_DOCS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'portcullis', 'texlive-docs');

const { loadConfigFile } = await import(join(REPO, 'dist/config/load.js'));
const { loadSignatureEngine } = await import(join(REPO, 'dist/signatures/build.js'));
const { estimateFields } = await import(join(REPO, 'dist/cost/estimate.js'));

const config = await loadConfigFile(join(REPO, 'gateway.yaml'), { ...process.env, UPSTREAM_URL: 'http://127.0.0.1:1' });
const engine = loadSignatureEngine(config.checks.signatures, ['compile'], REPO);
const cost = config.checks.cost;
const maxUnits = cost.max_units.anonymous ?? cost.default_max_units;

function* texFiles(d) {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* texFiles(p);
    else if (name.endsWith('.tex')) yield p;
  }
}

/** `latex/<package>` from `latex/<package>/...` (Debian's layout: the folder under the format). */
const packageOf = (rel) => rel.split('/').slice(0, 2).join('/');

const request = (code) => ({
  route: 'compile',
  tier: 'anonymous',
  path: '/compile',
  query: '',
  headers: { host: 'localhost', 'content-type': 'application/json', 'user-agent': 'portcullis-corpus/1' },
  fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }],
  body: null,
});

/** Hand-checked pictures that run a program or read a file outside the job (the PGF manual's criterion). */
const byDesign = JSON.parse(readFileSync(join(REPO, 'data/texlive-docs-excluded.json'), 'utf8')).excluded;
const found = new Set();

const packages = new Map();
const refused = [];
const excluded = [];
const seen = new Set();
let samples = 0;
let duplicates = 0;
for (const file of texFiles(dir)) {
  const rel = relative(dir, file);
  // most manuals are UTF-8; an older one in Latin-1 would show replacement characters: read it as Latin-1
  const utf8 = readFileSync(file, 'utf8');
  const src = utf8.includes('\uFFFD') ? readFileSync(file, 'latin1') : utf8;
  for (const pic of extractTikzPictures(src)) {
    samples++;
    // the same diagram shown twice (typeset and listed, or in two language versions) is judged once
    if (seen.has(pic.text)) {
      duplicates++;
      continue;
    }
    seen.add(pic.text);
    const id = `${rel}:${pic.line}`;
    const pkg = packageOf(rel);
    const p = packages.get(pkg) ?? { package: pkg, samples: 0, excluded: 0, judged: 0, refused: 0, rules: {} };
    packages.set(pkg, p);
    p.samples++;
    if (Object.hasOwn(byDesign, id)) found.add(id);
    const why = Object.hasOwn(byDesign, id) ? byDesign[id] : notWhole(pic.text);
    if (why !== null) {
      p.excluded++;
      excluded.push({ id, why });
      continue;
    }
    p.judged++;
    const r = engine.inspect(request(pic.text), true);
    const reasons = r.deny ? [...new Set(r.matches.map((m) => m.rule))] : [];
    const c = estimateFields([{ name: 'tikz_code', path: 'tikz_code', value: pic.text, code: true }], {
      defaultBound: cost.default_bound,
    });
    if (c.units > maxUnits) reasons.push(`cost:${c.breakdown[0]?.construct ?? 'unknown'}`);
    if (reasons.length === 0) continue;
    p.refused++;
    for (const rule of reasons) p.rules[rule] = (p.rules[rule] ?? 0) + 1;
    refused.push({ id, rules: reasons });
  }
}

const missing = Object.keys(byDesign).filter((id) => !found.has(id));
if (missing.length > 0)
  throw new Error(`data/texlive-docs-excluded.json names pictures not in the corpus: ${missing.join(', ')}`);

const rows = [...packages.values()].sort((a, b) => b.refused - a.refused || a.package.localeCompare(b.package));
const judged = rows.reduce((n, p) => n + p.judged, 0);
const out = {
  command: 'npm run build && bash scripts/fetch-texlive-docs.sh && node scripts/texlive-docs-fp.mjs',
  sources: readFileSync(join(dir, 'SOURCE'), 'utf8').trim().split('\n'),
  config: 'gateway.yaml as shipped; anonymous tier; signatures (paranoia 1, positive model) and cost estimate',
  totals: {
    pictures: samples,
    duplicates,
    distinct: samples - duplicates,
    excluded: excluded.length,
    judged,
    refused: refused.length,
    rate: judged === 0 ? 0 : Number((refused.length / judged).toFixed(5)),
  },
  packages: rows,
  refused,
  excluded,
  by_design: Object.keys(byDesign).length,
};
// written as the repository's formatter lays it out, so `npm run lint` passes on a fresh measurement
const prettier = await import('prettier');
const target = join(REPO, 'data/texlive-docs-fp.json');
const options = { ...(await prettier.resolveConfig(target)), filepath: target };
writeFileSync(target, await prettier.format(JSON.stringify(out), options));
console.log(
  `${samples} tikzpictures (${duplicates} duplicates), ${excluded.length} not whole, ${judged} judged, ` +
    `${refused.length} refused = ${(100 * out.totals.rate).toFixed(2)}% in ${rows.length} packages`,
);
for (const r of refused) console.log(`  refused ${r.id}  ${r.rules.join(', ')}`);

#!/usr/bin/env node
// @ts-check
/* global fetch */
// Chooses the PGF manual examples the end-to-end test compiles: the first N code examples, in the manual's
// order, that compile with TeX alone (the reference compile service, hardened as shipped, no gateway), written with a
// hash of their text to test/vectors/pgf-compilable-50.json. Every example passed over on the way is listed
// with why (its TeX error line, or the reason it is left out of the false-positive corpus).
//
//   bash scripts/fetch-pgf-manual.sh && node scripts/select-pgf-compilable.mjs [--count 50] [--concurrency 4]
//
// The manual's order is the order a reader meets the examples: pgfmanual-en-main-body.tex's own examples and
// its \include'd chapters where they stand (introduction, tutorials, then TikZ, ..., the basic layer), each
// chapter's examples by line; files no chapter list names come last, by name. (test/corpus/pgf-manual.ts
// reads files sorted by name, which puts the basic layer's animation examples first: their SMIL <animate>
// elements are not in the gateway's SVG allow-list, so they are no sample of what the gateway must pass.)
// Deterministic for a given corpus and TeX Live: examples are judged in that order, each on its own;
// concurrency only overlaps compiles, the choice does not depend on it.
// A compile counts when the service answers 200 `X-Compile-Outcome: ok` with an SVG. Needs latex, dvisvgm,
// TikZ and standalone (scripts/install-test-deps.sh) and the corpus (scripts/fetch-pgf-manual.sh).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'test/vectors/pgf-compilable-50.json');

/** The chapter list of the manual: its own examples and its \include/\input lines, in order. */
const MAIN_BODY = 'pgfmanual-en-main-body.tex';

/**
 * The samples (ids `<file>:<line>`) in the manual's order: by where their chapter is included in the main body
 * (the main body's own examples by their line there), then by line; files not included, last by name.
 * @template {{ id: string }} T
 * @param {readonly T[]} samples
 * @param {string} dir  the corpus folder (it holds pgfmanual-en-main-body.tex)
 * @returns {T[]}
 */
export function manualOrder(samples, dir) {
  const body = readFileSync(join(dir, MAIN_BODY), 'utf8').split('\n');
  /** @type {Map<string, number>} file -> the main body's line that includes it */
  const at = new Map([[MAIN_BODY, 0]]);
  body.forEach((line, i) => {
    const code = line.replace(/(^|[^\\])%.*$/, '$1');
    for (const m of code.matchAll(/\\(?:include|input)\s*\{([^}]+)\}/g)) {
      const name = (m[1] ?? '').trim();
      const file = name.endsWith('.tex') ? name : `${name}.tex`;
      if (!at.has(file)) at.set(file, i + 1);
    }
  });
  /** @param {T} s @returns {[number, number, string]} */
  const key = (s) => {
    const colon = s.id.lastIndexOf(':');
    const file = s.id.slice(0, colon);
    const line = Number(s.id.slice(colon + 1));
    if (file === MAIN_BODY) return [line, 0, file];
    const inc = at.get(file);
    return inc === undefined ? [Number.MAX_SAFE_INTEGER, line, file] : [inc, line, file];
  };
  return [...samples].sort((a, b) => {
    const [pa, la, fa] = key(a);
    const [pb, lb, fb] = key(b);
    return pa - pb || (fa < fb ? -1 : fa > fb ? 1 : 0) || la - lb;
  });
}

/**
 * The corpus reader and the exclusion list are TypeScript test modules; this script reads them as they are
 * (transpiled in memory by the project's own TypeScript) rather than keeping a second copy of the extraction.
 * @param {string} rel
 * @param {string} tmp
 */
export async function importTs(rel, tmp) {
  const ts = (await import('typescript')).default;
  const src = readFileSync(join(REPO, rel), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  const file = join(tmp, `${rel.replace(/[/.]/g, '_')}.mjs`);
  writeFileSync(file, out.outputText);
  return import(pathToFileURL(file).href);
}

/** @param {string} cmd @param {string[]} args */
function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? '';
}

/** @param {string} text */
function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function main() {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '4' } },
    strict: true,
  });
  const COUNT = Number(values.count);
  const CONCURRENCY = Number(values.concurrency);
  if (!Number.isInteger(COUNT) || COUNT < 1 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 5) {
    console.error('usage: node scripts/select-pgf-compilable.mjs [--count N>=1] [--concurrency 1..5]');
    process.exit(2);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'pgf-select-'));
  try {
    const corpus = await importTs('test/corpus/pgf-manual.ts', tmp);
    const { EXCLUDED } = await importTs('test/corpus/pgf-manual-excluded.ts', tmp);
    const dir = corpus.pgfManualDir();
    if (!corpus.hasPgfManual(dir)) {
      console.error(`PGF manual corpus missing in ${dir}: run bash scripts/fetch-pgf-manual.sh first`);
      process.exit(1);
    }
    /** @type {{ id: string; text: string }[]} */
    const samples = manualOrder(corpus.loadPgfManual(dir), dir);
    const source = readFileSync(join(dir, 'SOURCE'), 'utf8').trim();

    const { startCompileService } = await import('../examples/compile-service/server.mjs');
    const svc = await startCompileService({ host: '127.0.0.1', port: 0, concurrency: 5 });
    const t0 = Date.now();
    /** @type {Map<number, { ok: boolean; reason?: string }>} */
    const verdicts = new Map();
    let next = 0;
    /** The length of the judged prefix holding COUNT successes, once known. */
    const enough = () => {
      let ok = 0;
      for (let i = 0; verdicts.has(i); i++) {
        const v = verdicts.get(i);
        if (v?.ok && ++ok === COUNT) return i + 1;
      }
      return -1;
    };
    /** @param {number} i */
    async function judge(i) {
      const s = /** @type {{ id: string; text: string }} */ (samples[i]);
      if (Object.hasOwn(EXCLUDED, s.id)) return { ok: false, reason: `left out of the corpus: ${EXCLUDED[s.id]}` };
      const res = await fetch(`${svc.url}/compile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tikz_code: s.text }),
      });
      const body = await res.text();
      const outcome = res.headers.get('x-compile-outcome');
      if (res.status === 200 && outcome === 'ok' && /<svg[\s>]/.test(body)) return { ok: true };
      let why = `HTTP ${res.status}`;
      try {
        const j = JSON.parse(body);
        why = `${j.outcome ?? outcome ?? res.status}: ${j.error ?? ''}`.trim();
      } catch {
        // not JSON: the status says it
      }
      return { ok: false, reason: why };
    }
    async function worker() {
      while (enough() === -1 && next < samples.length) {
        const i = next++;
        verdicts.set(i, await judge(i));
        if (verdicts.size % 10 === 0) {
          const ok = [...verdicts.values()].filter((v) => v.ok).length;
          console.error(`  judged ${verdicts.size}, ${ok} compile (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      await svc.close();
    }
    const prefix = enough();
    if (prefix === -1) {
      console.error(`only ${[...verdicts.values()].filter((v) => v.ok).length} of ${samples.length} compile`);
      process.exit(1);
    }
    const selected = [];
    const skipped = [];
    for (let i = 0; i < prefix; i++) {
      const s = /** @type {{ id: string; text: string }} */ (samples[i]);
      const v = verdicts.get(i);
      if (v?.ok) selected.push({ id: s.id, sha256: sha256(s.text) });
      else skipped.push({ id: s.id, reason: v?.reason ?? 'not judged' });
    }
    const doc = {
      about:
        "The first examples of the PGF manual, in the manual's order (chapters as pgfmanual-en-main-body.tex " +
        'includes them; scripts/select-pgf-compilable.mjs manualOrder), that compile with TeX ' +
        'alone: the reference compile service (examples/compile-service, hardened defaults) answered 200 ' +
        '`X-Compile-Outcome: ok` with an SVG. test/integration/compile-e2e/pgf-manual-50.test.ts sends exactly ' +
        'these through the gateway. `skipped`: every example before the last one chosen that was passed over, ' +
        'with why.',
      regenerate: 'bash scripts/fetch-pgf-manual.sh && node scripts/select-pgf-compilable.mjs',
      corpus: source,
      tex: firstLine('latex', ['--version']),
      dvisvgm: firstLine('dvisvgm', ['--version']),
      judged: prefix,
      selected,
      skipped,
    };
    writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
    console.error(
      `${selected.length} chosen of the first ${prefix} examples (${skipped.length} passed over) in ` +
        `${((Date.now() - t0) / 1000).toFixed(1)} s: ${relative(REPO, OUT)}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

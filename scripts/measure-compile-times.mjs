#!/usr/bin/env node
// @ts-check
/* global fetch */
// Measures what the PGF manual examples of test/vectors/pgf-compilable-50.json cost to compile in the reference
// compile service (examples/compile-service, hardened defaults), one at a time so each has a core: wall and CPU
// milliseconds as its X-Compile-* headers state them, written to test/vectors/compile-times-pgf50.json. The
// overload test's simulated compile service draws ordinary compile times from these figures; CI reads the
// data, it never re-measures.
//
//   bash scripts/fetch-pgf-manual.sh && node scripts/measure-compile-times.mjs [--rounds 1]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { importTs } from './select-pgf-compilable.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELECTED = join(REPO, 'test/vectors/pgf-compilable-50.json');
const OUT = join(REPO, 'test/vectors/compile-times-pgf50.json');

async function main() {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '1' } }, strict: true });
  const rounds = Number(values.rounds);
  const tmp = mkdtempSync(join(tmpdir(), 'pgf-times-'));
  try {
    const corpus = await importTs('test/corpus/pgf-manual.ts', tmp);
    const dir = corpus.pgfManualDir();
    if (!corpus.hasPgfManual(dir)) {
      console.error(`PGF manual corpus missing in ${dir}: run bash scripts/fetch-pgf-manual.sh first`);
      process.exit(1);
    }
    /** @type {Map<string, string>} */
    const byId = new Map(
      corpus.loadPgfManual(dir).map((/** @type {{id: string, text: string}} */ s) => [s.id, s.text]),
    );
    /** @type {{ selected: { id: string }[] }} */
    const selected = JSON.parse(readFileSync(SELECTED, 'utf8'));
    const { startCompileService } = await import('../examples/compile-service/server.mjs');
    const svc = await startCompileService({ host: '127.0.0.1', port: 0, concurrency: 1 });
    /** @type {{ id: string; outcome: string | null; wall_ms: number; cpu_ms: number }[]} */
    const times = [];
    try {
      for (const { id } of selected.selected) {
        const code = byId.get(id);
        if (code === undefined) throw new Error(`example ${id} not in the corpus`);
        let best = null;
        for (let r = 0; r < rounds; r++) {
          const res = await fetch(`${svc.url}/compile`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tikz_code: code }),
          });
          await res.arrayBuffer();
          const m = {
            id,
            outcome: res.headers.get('x-compile-outcome'),
            wall_ms: Number(res.headers.get('x-compile-wall-ms')),
            cpu_ms: Number(res.headers.get('x-compile-cpu-ms')),
          };
          // The least of the rounds: what the compile costs, without what else the machine was doing.
          if (best === null || m.cpu_ms < best.cpu_ms) best = m;
        }
        times.push(/** @type {NonNullable<typeof best>} */ (best));
        process.stderr.write('.');
      }
    } finally {
      await svc.close();
    }
    process.stderr.write('\n');
    const first = (/** @type {string} */ cmd) =>
      (spawnSync(cmd, ['--version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0];
    writeFileSync(
      OUT,
      JSON.stringify(
        {
          about:
            'Wall and CPU milliseconds of the 50 PGF manual examples of pgf-compilable-50.json in the reference compile ' +
            'service (hardened defaults), one compile at a time, the least of `rounds` runs each. The overload test ' +
            '(test/integration/compile-cost/overload.test.ts) draws its ordinary compile times from them.',
          regenerate: 'bash scripts/fetch-pgf-manual.sh && node scripts/measure-compile-times.mjs',
          tex: first('latex'),
          rounds,
          times,
        },
        null,
        2,
      ) + '\n',
    );
    const cpu = times.map((t) => t.cpu_ms).sort((a, b) => a - b);
    console.log(
      `${times.length} examples: CPU ms min ${cpu[0]}, median ${cpu[cpu.length >> 1]}, max ${cpu[cpu.length - 1]}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

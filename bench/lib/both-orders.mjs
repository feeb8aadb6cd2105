// `--against DIR` of the micro-benches (cost-micro, crs-micro): the two builds compared in two processes, each
// loaded first once (in one process the build loaded second can run a few per cent slower than the same code
// loaded first), and the geometric mean of the two ratios printed with each.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './procs.mjs';

/**
 * Runs `script` twice as a child under the bench lock this process holds, with `pairArgs(first, second)`: this
 * build (`dist`) first, then `other` first. Each child prints its rows as JSON, one per kind of input, in one
 * order: `{ label, first, second, ratio }` (CPU µs of the build loaded first and second, median ratio first ÷
 * second). `other` equal to `dist` is an A/A: a copy of this build under .bench/, where its packages resolve
 * (the same folder would give the same modules). `probe`: a file every build of this bench has (checked first).
 */
export function againstBothOrders({ script, dist, other, probe, pairArgs, digits }) {
  const name = basename(fileURLToPath(script), '.mjs');
  for (const dir of [dist, other])
    if (!existsSync(join(dir, probe))) throw new Error(`${dir}: no ${probe}; run npm run build in that tree first`);
  let copy = null;
  if (other === dist) {
    const scratch = join(ROOT, '.bench');
    mkdirSync(scratch, { recursive: true });
    copy = mkdtempSync(join(scratch, `${name}-aa-`));
    cpSync(dist, copy, { recursive: true });
  }
  try {
    const theirs = copy ?? other;
    const run = (first, second) => {
      const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(script), ...pairArgs(first, second)], {
        encoding: 'utf8',
        env: { ...process.env, PORTCULLIS_BENCH_LOCKED: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status !== 0) throw new Error(`${name} (one load order) exited ${r.status}`);
      return JSON.parse(r.stdout.trim().split('\n').pop());
    };
    const mineFirst = run(dist, theirs);
    const theirsFirst = run(theirs, dist);
    const label = copy === null ? other : `${other} (a copy)`;
    for (let k = 0; k < mineFirst.length; k++) {
      const a = mineFirst[k];
      const b = theirsFirst[k];
      // b.ratio is theirs ÷ mine: this ÷ that is its inverse
      const loadedFirst = a.ratio;
      const loadedSecond = 1 / b.ratio;
      console.log(
        `${a.label}: this build ${((a.first + b.second) / 2).toFixed(digits)} µs, ` +
          `${label} ${((a.second + b.first) / 2).toFixed(digits)} µs, ` +
          `ratio ${Math.sqrt(loadedFirst * loadedSecond).toFixed(3)} (this build loaded first ` +
          `${loadedFirst.toFixed(3)}, second ${loadedSecond.toFixed(3)})`,
      );
    }
  } finally {
    if (copy !== null) rmSync(copy, { recursive: true, force: true });
  }
}

// npm run bench -- --base REF: the gateway as built from another commit. A detached git worktree in a temporary
// folder, its node_modules shared with the working tree's when package-lock.json is the same (npm ci rebuilds the
// native re2 module: minutes), else npm ci there; then tsc. Removed again at the end, on failure and on Ctrl-C
// (and, last resort, when the process exits).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from './procs.mjs';

let made = null; // { parent, dir } while a worktree exists
let building = null; // the child process running now (npm ci, tsc), stopped by stopBuild()

process.on('exit', () => removeBase());

const git = (args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Runs cmd in cwd, output appended to log; rejects on a non-zero exit or after timeoutMs (then killed). In a
 * process group of its own, so stopping it stops what it started too (npm ci's install scripts).
 */
function run(cmd, args, cwd, log, timeoutMs) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', fd, fd], detached: true });
    const exited = new Promise((r) => child.once('exit', r));
    building = { child, exited };
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      building = null;
      if (code === 0) return resolve();
      const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} in ${cwd}: ${signal ?? `exit ${code}`} (see ${log}):\n${tail}`));
    });
  });
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** Stops a running npm ci / tsc (Ctrl-C during the build); resolves once it exited (SIGKILL after 5 s). */
export async function stopBuild() {
  const b = building;
  if (b === null) return;
  killGroup(b.child, 'SIGTERM');
  const late = setTimeout(() => killGroup(b.child, 'SIGKILL'), 5000);
  await b.exited;
  clearTimeout(late);
}

/**
 * Checks out REF into a temporary worktree and builds it; `say` reports progress. Returns {ref, commit, dir,
 * deps}: dir/dist/main.js is the base's gateway, deps says how its node_modules came about.
 */
export async function prepareBase(ref, outDir, say) {
  let commit;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).trim();
  } catch {
    throw new Error(`--base ${ref}: not a commit here`);
  }
  const parent = mkdtempSync(join(os.tmpdir(), 'portcullis-bench-base-'));
  const dir = join(parent, 'tree');
  made = { parent, dir };
  say(`--base ${ref}: commit ${commit.slice(0, 12)} checked out in ${dir}`);
  git(['worktree', 'add', '--detach', dir, commit]);

  let deps;
  let baseLock = null;
  try {
    baseLock = execFileSync('git', ['show', `${commit}:package-lock.json`], { cwd: ROOT, maxBuffer: 1 << 28 });
  } catch {
    // no lock file in that commit: npm ci below fails with its own message
  }
  const ours = join(ROOT, 'package-lock.json');
  const log = join(outDir, 'base-build.log');
  if (
    baseLock !== null &&
    existsSync(ours) &&
    readFileSync(ours).equals(baseLock) &&
    existsSync(join(ROOT, 'node_modules'))
  ) {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    deps = "the working tree's node_modules (same package-lock.json)";
  } else {
    say(`--base ${ref}: package-lock.json differs from the working tree's: npm ci there (minutes; log ${log})`);
    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, log, 30 * 60_000);
    deps = 'npm ci (package-lock.json differs)';
  }
  // npx tsc -p tsconfig.build.json, without npx in between (one process to stop on Ctrl-C).
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  say(`--base ${ref}: building (tsc -p tsconfig.build.json; log ${log})`);
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], dir, log, 10 * 60_000);
  if (!existsSync(join(dir, 'dist', 'main.js'))) throw new Error(`--base ${ref}: the build made no dist/main.js`);
  return { ref, commit, dir, deps };
}

/**
 * Removes the worktree (synchronous, so it can run in an exit handler; does nothing when there is none). The
 * node_modules link goes first, so nothing can reach through it into the working tree's modules.
 */
export function removeBase() {
  if (made === null) return;
  const { parent, dir } = made;
  made = null;
  try {
    const nm = join(dir, 'node_modules');
    if (lstatSync(nm, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(nm);
  } catch {
    // best effort: git and rmSync below do not follow links either
  }
  let removed = false;
  try {
    git(['worktree', 'remove', '--force', dir]);
    removed = true;
  } catch {
    // half made (e.g. interrupted during worktree add): remove the folder, then let git forget it
  }
  rmSync(parent, { recursive: true, force: true });
  if (!removed)
    try {
      git(['worktree', 'prune']); // drops entries whose folder is gone: ours now (and any other already stale)
    } catch {
      // git busy: a stale entry is pruned by git itself later (gc)
    }
}

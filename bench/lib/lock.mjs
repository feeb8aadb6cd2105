// One bench at a time on this machine: two at once measure each other. A bench re-runs itself under flock(1)
// on a machine-wide lock (also taken by the shared-bench recipe in docs/operations.md), waiting up to an hour.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export const LOCK = process.env.PORTCULLIS_BENCH_LOCK ?? '/tmp/portcullis-bench.lock';

/**
 * Runs main() when this process holds the lock (or flock is missing); otherwise re-runs this script under
 * flock, passing signals on so stopping it stops the bench (which then stops its servers).
 */
export async function underBenchLock(name, main) {
  if (process.env.PORTCULLIS_BENCH_LOCKED === '1' || spawnSync('flock', ['--version']).status !== 0) {
    await main();
    return;
  }
  const env = { ...process.env, PORTCULLIS_BENCH_LOCKED: '1' };
  if (spawnSync('flock', ['-n', LOCK, 'true']).status !== 0) {
    console.error(`${name}: another bench holds ${LOCK}: waiting (up to 1 h)`);
  }
  const me = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const child = spawn('flock', ['-w', '3600', LOCK, ...me], { stdio: 'inherit', env });
  // flock(1) does not pass signals on to its command: the signal goes to the bench flock started (which stops
  // its servers, removes a --base worktree, then exits, and flock with it), or to flock while it still waits.
  const forward = (sig) => {
    const bench = childrenOf(child.pid);
    if (bench.length === 0) return void child.kill(sig);
    for (const pid of bench) process.kill(pid, sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => forward(sig));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

/** The PIDs whose parent is `pid` (from /proc). */
function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

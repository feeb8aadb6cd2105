// One bench at a time on this machine: two at once measure each other. A bench re-runs itself under flock(1)
// on a machine-wide lock (also taken by the shared-bench recipe in docs/operations.md), waiting up to an hour.
import { spawn, spawnSync } from 'node:child_process';

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
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

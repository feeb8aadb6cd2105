// Test helper: run the built CLI (dist/) as a real child process and read its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the first stdout+stderr match of re (bounded by timeoutMs). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function run(args: string[], env: NodeJS.ProcessEnv = {}, script = 'dist/main.js'): Running {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`timed out waiting for ${re}; output:\n${r.stdout}\n${r.stderr}`)),
          timeoutMs,
        );
        const check = () => {
          const m = (r.stdout + r.stderr).match(re);
          if (m) {
            clearTimeout(deadline);
            child.stdout!.off('data', check);
            child.stderr!.off('data', check);
            resolve(m);
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        check();
      });
    },
  };
  child.stdout!.on('data', (d: Buffer) => (r.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (r.stderr += d.toString()));
  return r;
}

/** The data-plane URL `start` logs once it listens (`"data":"http://127.0.0.1:PORT"`). */
const LISTENING = /"data":"(http:\/\/127\.0\.0\.1:\d+)"/;

/** `portcullis start --config file` as a real process; resolves once it listens, with its data-plane URL. */
export async function startGatewayProcess(
  file: string,
  timeoutMs = 30_000,
): Promise<{ readonly proc: Running; readonly url: string }> {
  const proc = run(['start', '--config', file]);
  const url = (await proc.waitFor(LISTENING, timeoutMs))[1]!;
  return { proc, url };
}

/** SIGTERM to a process still running, then its exit code (null for one already gone). */
export async function stopProcess(proc: Running | null | undefined): Promise<number | null> {
  if (proc === null || proc === undefined) return null;
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  return proc.exited;
}

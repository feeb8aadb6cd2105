// Test helper: read a log file a real process writes asynchronously (events, audit, access log), by lines.
import { existsSync, readFileSync } from 'node:fs';

/** The file's non-empty lines; none when it does not exist (yet). */
export function fileLines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

/** Polls until `file` holds at least `n` lines (sinks write asynchronously), up to 5 s; then its lines. */
export async function untilLines(file: string, n: number): Promise<string[]> {
  for (let i = 0; i < 250 && fileLines(file).length < n; i++) await new Promise((r) => setTimeout(r, 20));
  return fileLines(file);
}

/** Polls until `file` exists (a reopen after SIGHUP is asynchronous), up to 5 s; whether it does. */
export async function untilExists(file: string): Promise<boolean> {
  for (let i = 0; i < 250 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  return existsSync(file);
}

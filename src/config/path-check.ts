// Disk checks of path-typed config values at load: a file to read exists and is readable, a folder is a folder,
// a file to write can be created. So `check` and `start` refuse a wrong path alike, at its line and column.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PathKind, PathValue } from './paths.js';
import type { SemanticIssue } from './semantic.js';

/** What is wrong with one path on disk, or null. Synchronous: a handful of stat calls at load. */
export function pathProblem(value: string, kind: PathKind): string | null {
  try {
    const st = statSync(value);
    if (kind === 'dir') {
      if (!st.isDirectory()) return `${value} is not a folder`;
      accessSync(value, constants.R_OK | constants.X_OK);
      return null;
    }
    if (st.isDirectory()) return `${value} is a folder, not a file`;
    accessSync(value, kind === 'read' ? constants.R_OK : constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where a folder of the path would be.
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    if (missing && kind === 'write') return writableParent(value);
    if (missing) return `${value} does not exist`;
    if (code === 'EACCES' || code === 'EPERM') {
      return `${value} is not ${kind === 'write' ? 'writable' : 'readable'} by this user`;
    }
    return `${value}: ${code ?? String(err)}`;
  }
}

/** A log file that does not exist yet is created (with its folders): the nearest existing folder must allow it. */
function writableParent(value: string): string | null {
  let dir = dirname(value);
  for (let i = 0; i < 64; i++) {
    try {
      if (!statSync(dir).isDirectory()) return `cannot create ${value}: ${dir} is not a folder`;
      accessSync(dir, constants.W_OK | constants.X_OK);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(dir) !== dir) {
        dir = dirname(dir);
        continue;
      }
      return `cannot create ${value}: ${dir} is not writable by this user`;
    }
  }
  return `cannot create ${value}`;
}

/** Disk problems of every path-typed value, reported at the value. */
export function checkPaths(values: readonly PathValue[]): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  for (const p of values) {
    if (p.meta.keywords.includes(p.value)) continue;
    const problem = pathProblem(p.value, p.meta.kind);
    if (problem !== null) issues.push({ path: p.path, message: problem });
  }
  return issues;
}

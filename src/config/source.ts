// Where a loaded configuration came from: its file and the YAML positions, kept beside the frozen config so a
// problem found later (while building rules, lists, databases, keys) is reported at file:line:col like any other.
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { ConfigKeyError } from './key-error.js';
import { formatPath, type ConfigPath, type SourcePositions } from './positions.js';

interface Source {
  readonly file: string;
  readonly positions: SourcePositions;
}

const sources = new WeakMap<object, Source>();

/** Called by the loader for every config it returns. */
export function rememberSource(config: object, file: string, positions: SourcePositions): void {
  sources.set(config, { file, positions });
}

/** A config derived from another (restart-only keys held back on reload) keeps its source. */
export function carrySource(from: object, to: object): void {
  const s = sources.get(from);
  if (s !== undefined && from !== to) sources.set(to, s);
}

/** The file a config was loaded from, if it was loaded by the loader. */
export function sourceFile(config: object): string | undefined {
  return sources.get(config)?.file;
}

/**
 * A problem at `path` of `config`, as a positioned issue. A config that was not loaded from a file (built in
 * a test) is named "(config)" at 1:1.
 */
export function issueAt(config: object, path: ConfigPath, message: string, atKey = false): ConfigIssue {
  const s = sources.get(config);
  if (s === undefined) return { file: '(config)', line: 1, col: 1, path: formatPath(path), message };
  const at = s.positions.locate(path, { key: atKey });
  return { file: s.file, line: at.line, col: at.col, path: formatPath(path), message };
}

/** True when `path` is written in the config's file (not filled in by a default). */
export function isWritten(config: object, path: ConfigPath): boolean {
  const s = sources.get(config);
  return s === undefined ? true : s.positions.locate(path).exact;
}

/** A builder's ConfigKeyError positioned in the file `config` came from; other errors as they are. */
export function located(config: object, error: Error): Error {
  if (!(error instanceof ConfigKeyError)) return error;
  return new ConfigError(error.problems.map((p) => issueAt(config, p.path, p.message)));
}

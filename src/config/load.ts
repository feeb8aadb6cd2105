// Loads gateway.yaml: parse with positions, interpolate ${VAR}, validate (schema, then semantics), freeze.
// Every problem of the file is collected and thrown at once as a ConfigError with file:line:col locations.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import type { Node } from 'yaml';
import { z } from 'zod';
import { ConfigError, GatewayError, type ConfigIssue } from '../core/errors.js';
import { deepFreeze } from './freeze.js';
import { interpolateDocument } from './interpolate.js';
import { closest, describeIssue, NO_SCHEMA_MESSAGE } from './messages.js';
import { checkPaths } from './path-check.js';
import { pathValues, resolvePaths } from './paths.js';
import { formatPath, SourcePositions, type ConfigPath } from './positions.js';
import { configSchema, type GatewayConfig } from './schema.js';
import { allowedKeysAt } from './schema-keys.js';
import { rememberSource } from './source.js';
import { validateSemantics, type SemanticIssue, type SemanticRule, semanticRules } from './validate.js';
import { parseTree } from './yaml-tree.js';

export interface LoadOptions {
  /** Cross-field rules run after the schema; defaults to every registered rule. */
  readonly rules?: readonly SemanticRule[];
  /** Relative paths in the config resolve against this folder; default: the folder of `file`. */
  readonly baseDir?: string;
  /** Check every path-typed value on disk (exists, readable, a folder...); loadConfigFile does. */
  readonly checkFiles?: boolean;
}

/** Parses and validates config text; `file` only names the source in messages. Throws ConfigError. */
export function loadConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): GatewayConfig {
  const tree = parseTree(text);
  const positions = new SourcePositions(tree.doc, tree.lines);
  const issues: ConfigIssue[] = [];
  const atOffset = (offset: number, path: string, message: string) =>
    issues.push({ file, ...positions.at(offset), path, message });

  for (const p of tree.syntax) atOffset(p.offset, '(yaml)', p.message);
  for (const p of tree.duplicates) atOffset(p.offset, positions.pathAt(p.offset), p.message);
  // A broken tree would only add confusing follow-up errors.
  if (tree.syntax.length > 0) throw new ConfigError(sorted(issues));

  const failed = new Set<Node>();
  for (const p of interpolateDocument(tree.doc, env)) {
    failed.add(p.node);
    const offset = p.node.range?.[0] ?? 0;
    atOffset(offset, positions.pathAt(offset), p.message);
  }

  let data: unknown;
  try {
    // An empty file is an empty mapping, so the message names the missing keys rather than "got null".
    data = tree.doc.contents === null ? {} : tree.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // toJS refuses alias bombs ("billion laughs"); nothing sensible is left to validate.
    atOffset(0, '(yaml)', `YAML error: ${err instanceof Error ? err.message : String(err)}`);
    throw new ConfigError(sorted(issues));
  }
  const parsed = configSchema.safeParse(data, { error: () => NO_SCHEMA_MESSAGE });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(...schemaIssues(issue, data, file, positions, failed));
  } else if (issues.length === 0) {
    // Paths first: the semantic rules and everything built later see absolute paths.
    const typos = resolvePaths(configSchema, parsed.data, options.baseDir ?? dirname(resolve(file)));
    const semantic: SemanticIssue[] = [...typos, ...validateSemantics(parsed.data, options.rules ?? semanticRules)];
    if (options.checkFiles === true) {
      const typo = new Set(typos.map((t) => formatPath(t.path)));
      semantic.push(...checkPaths(pathValues(configSchema, parsed.data)).filter((i) => !typo.has(formatPath(i.path))));
    }
    for (const s of semantic) {
      const at = positions.locate(s.path, { key: s.atKey === true });
      // A name filled in by a default is not the operator's typo (e.g. the default tier of API keys).
      if (s.ifWritten === true && !at.exact) continue;
      issues.push({ file, line: at.line, col: at.col, path: formatPath(s.path), message: s.message });
    }
  }

  if (!parsed.success) throw new ConfigError(sorted(issues));
  const config = deepFreeze(parsed.data);
  rememberSource(config, file, positions);
  if (issues.length > 0) {
    const error = new ConfigError(sorted(issues));
    // Schema-valid: the build can still be tried, to report its problems in the same run (runtime/check.ts).
    refused.set(error, config);
    throw error;
  }
  return config;
}

const refused = new WeakMap<ConfigError, GatewayConfig>();

/** The schema-valid config a ConfigError refused for semantic or path problems (undefined for other refusals). */
export function refusedConfig(error: unknown): GatewayConfig | undefined {
  return error instanceof ConfigError ? refused.get(error) : undefined;
}

/** "ENOENT: no such file or directory": the code, and what it means without the path repeated. */
function ioReason(err: unknown): string {
  if (!(err instanceof Error) || !('code' in err)) return String(err);
  const errno = 'errno' in err && typeof err.errno === 'number' ? err.errno : undefined;
  const meaning = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
  return meaning === undefined ? String(err.code) : `${String(err.code)}: ${meaning}`;
}

/**
 * Reads and loads a config file, relative paths resolved against its folder and checked on disk. Throws
 * GatewayError GW_ERR_CONFIG_IO when unreadable, ConfigError when invalid.
 */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayError('GW_ERR_CONFIG_IO', `${file}: cannot read configuration: ${ioReason(err)}`, { cause: err });
  }
  return loadConfigText(text, file, env, { checkFiles: true });
}

function schemaIssues(
  issue: z.core.$ZodIssue,
  data: unknown,
  file: string,
  positions: SourcePositions,
  failed: ReadonlySet<Node>,
): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    // One issue per key, each at the key itself.
    const allowed = allowedKeysAt(configSchema, issue.path);
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const at = positions.locate(path, { key: true });
      const hint = closest(key, allowed);
      const message =
        `unknown key "${key}"` +
        (hint ? ` (did you mean "${hint}"?)` : '') +
        (allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '');
      return { file, line: at.line, col: at.col, path: formatPath(path), message };
    });
  }
  const at = positions.locate(issue.path);
  // The variable problem was already reported at this scalar; the schema's view of it would be noise.
  if (at.node && failed.has(at.node)) return [];
  const input = valueAt(data, issue.path);
  const missing = input === undefined && !at.exact;
  const path = missing ? issue.path.slice(0, -1) : issue.path;
  return [{ file, line: at.line, col: at.col, path: formatPath(path), message: describeIssue(issue, input) }];
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let v = data;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

function sorted(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.col - b.col);
}

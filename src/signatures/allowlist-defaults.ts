// The shipped allow-lists are data (rules/allowlists/defaults.yaml): read and checked here, file:line:col on error.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { formatPath, SourcePositions } from '../config/positions.js';
import { parseTree } from '../config/yaml-tree.js';

/** The defaults every tier starts from (unless it sets `replace_defaults`). */
export interface AllowlistDefaults {
  readonly packages: readonly string[];
  readonly libraries: readonly string[];
  readonly classes: readonly string[];
  readonly inputs: readonly string[];
}

/**
 * Beside the package, not under `rules_dir`: operators may point rules_dir at their own rule folder, and the
 * positive model must not silently vanish (or differ) with it. src/signatures and dist/signatures are both
 * two levels below the package root, so one relative URL serves tests and the build.
 */
export const SHIPPED_ALLOWLISTS_FILE = fileURLToPath(new URL('../../rules/allowlists/defaults.yaml', import.meta.url));

const name = z.string().min(1);
// Every list is required: a misspelt key must be an error, not an empty list that refuses every diagram.
const fileSchema = z.strictObject({
  packages: z.array(name),
  libraries: z.array(name),
  classes: z.array(name),
  inputs: z.array(name),
});

/** Parses the file's text; appends problems (with positions) to `issues` and returns null when there are any. */
export function parseAllowlistDefaults(text: string, file: string, issues: ConfigIssue[]): AllowlistDefaults | null {
  const tree = parseTree(text);
  const positions = new SourcePositions(tree.doc, tree.lines);
  const before = issues.length;
  for (const p of [...tree.syntax, ...tree.duplicates]) {
    issues.push({ file, ...positions.at(p.offset), path: positions.pathAt(p.offset), message: p.message });
  }
  if (tree.syntax.length > 0) return null;
  let data: unknown;
  try {
    data = tree.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    issues.push({
      file,
      line: 1,
      col: 1,
      path: '',
      message: `YAML error: ${err instanceof Error ? err.message : String(err)}`,
    });
    return null;
  }
  const parsed = fileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.filter((k): k is string | number => typeof k !== 'symbol');
      const keys = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...path, k]) : [path];
      for (const p of keys) {
        const loc = positions.locate(p, { key: i.code === 'unrecognized_keys' });
        const message = i.code === 'unrecognized_keys' ? `unknown key "${String(p[p.length - 1])}"` : i.message;
        issues.push({ file, line: loc.line, col: loc.col, path: formatPath(p), message });
      }
    }
  }
  if (issues.length > before || !parsed.success) return null;
  const d = parsed.data;
  return Object.freeze({
    packages: Object.freeze(d.packages),
    libraries: Object.freeze(d.libraries),
    classes: Object.freeze(d.classes),
    inputs: Object.freeze(d.inputs),
  });
}

/** The last text parsed per file: an unchanged file (every reload, every engine a test builds) is parsed once. */
const parsedFiles = new Map<string, { readonly text: string; readonly defaults: AllowlistDefaults }>();

/**
 * Reads the allow-list defaults when an engine is built (start and reload, never per request). A file that
 * cannot be read or parsed is a ConfigError, so a reload is refused and the running snapshot keeps serving.
 */
export function loadAllowlistDefaults(file: string = SHIPPED_ALLOWLISTS_FILE): AllowlistDefaults {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        file,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read allow-list defaults: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
  const cached = parsedFiles.get(file);
  if (cached !== undefined && cached.text === text) return cached.defaults;
  const issues: ConfigIssue[] = [];
  const defaults = parseAllowlistDefaults(text, file, issues);
  if (defaults === null) throw new ConfigError(issues);
  parsedFiles.set(file, { text, defaults });
  return defaults;
}

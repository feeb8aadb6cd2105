// The shipped allow-lists are data (rules/allowlists/defaults.yaml and the file it derives from, texlive.yaml):
// read, checked (file:line:col on error) and merged here: derived names and listed ones, less the `never` lists.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  /** A file beside this one, written by scripts/derive-allowlists.mjs, whose names are allowed too. */
  derived: z.string().min(1).optional(),
  packages: z.array(name),
  libraries: z.array(name),
  classes: z.array(name),
  inputs: z.array(name),
  /** Taken out of the merged lists, whatever the derived file and the lists above hold. */
  never: z
    .strictObject({
      packages: z.array(name).default([]),
      libraries: z.array(name).default([]),
      classes: z.array(name).default([]),
    })
    .optional(),
});
type HandFile = z.infer<typeof fileSchema>;

/** What scripts/derive-allowlists.mjs writes: the names in the file lists of the allowed collections. */
const derivedSchema = z.strictObject({
  sources: z.array(z.string().min(1)).min(1),
  packages: z.array(name),
  classes: z.array(name),
  libraries: z.array(name),
});
type DerivedFile = z.infer<typeof derivedSchema>;

/** Parses the defaults file's text; appends problems (with positions) to `issues` and returns null when there are any. */
export function parseAllowlistDefaults(text: string, file: string, issues: ConfigIssue[]): AllowlistDefaults | null {
  const hand = parseYaml(text, file, issues, fileSchema);
  return hand === null ? null : merge(hand, null);
}

/** The merged defaults: derived and listed names, less the never-listed ones. */
function merge(hand: HandFile, derived: DerivedFile | null): AllowlistDefaults {
  const join = (
    listed: readonly string[],
    more: readonly string[] | undefined,
    never: readonly string[] | undefined,
  ) => {
    const out = new Set([...(more ?? []), ...listed]);
    for (const n of never ?? []) {
      if (!n.endsWith('*')) out.delete(n);
      else for (const x of out) if (x.startsWith(n.slice(0, -1))) out.delete(x);
    }
    return Object.freeze([...out]);
  };
  return Object.freeze({
    packages: join(hand.packages, derived?.packages, hand.never?.packages),
    libraries: join(hand.libraries, derived?.libraries, hand.never?.libraries),
    classes: join(hand.classes, derived?.classes, hand.never?.classes),
    inputs: Object.freeze([...hand.inputs]),
  });
}

/** A YAML file checked against `schema`; problems (with positions) appended to `issues`, null when there are any. */
function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  issues: ConfigIssue[],
  schema: S,
): z.infer<S> | null {
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
  const parsed = schema.safeParse(data ?? {});
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
  return parsed.data as z.infer<S>;
}

/** The last texts parsed per defaults file: an unchanged pair (every reload, every engine a test builds) is parsed once. */
const parsedFiles = new Map<string, { readonly texts: string; readonly defaults: AllowlistDefaults }>();

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        file,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read ${what}: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
}

/**
 * Reads the allow-list defaults when an engine is built (start and reload, never per request), with the derived
 * file it names. A file that cannot be read or parsed is a ConfigError, so a reload is refused and the running
 * snapshot keeps serving.
 */
export function loadAllowlistDefaults(file: string = SHIPPED_ALLOWLISTS_FILE): AllowlistDefaults {
  const text = readText(file, 'allow-list defaults');
  const issues: ConfigIssue[] = [];
  const hand = parseYaml(text, file, issues, fileSchema);
  if (hand === null) throw new ConfigError(issues);
  const derivedFile = hand.derived === undefined ? null : resolve(dirname(file), hand.derived);
  const derivedText = derivedFile === null ? '' : readText(derivedFile, `the derived allow-list ${hand.derived}`);
  const texts = `${text}\u0000${derivedText}`;
  const cached = parsedFiles.get(file);
  if (cached !== undefined && cached.texts === texts) return cached.defaults;
  const derived = derivedFile === null ? null : parseYaml(derivedText, derivedFile, issues, derivedSchema);
  if (issues.length > 0) throw new ConfigError(issues);
  const defaults = merge(hand, derived);
  parsedFiles.set(file, { texts, defaults });
  return defaults;
}

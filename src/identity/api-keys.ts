// API key table: SHA-256 of the presented key -> user and tier; built once at load from config and a keys file.
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { ConfigKeyError } from '../config/key-error.js';
import { unknownName } from '../config/names.js';
import { formatPath, SourcePositions } from '../config/positions.js';
import { parseTree } from '../config/yaml-tree.js';
import { apiKeyEntrySchema, type ApiKeyEntry } from './config.js';

export interface KeyOwner {
  readonly user: string;
  readonly tier: string;
}

/** One-shot crypto.hash (Node >= 20.12): a third of createHash's cost for a key-sized input, per request. */
export function sha256Hex(s: string): string {
  return hash('sha256', s, 'hex');
}

/**
 * Reads a keys file: a YAML/JSON list of {sha256, user, tier}. Every problem is a config error at its
 * file:line:col in the keys file, all at once; a tier not in `tiers` (when given) is one (a typo would
 * silently give the key the default tier's limits).
 */
export function readKeysFile(path: string, tiers?: ReadonlySet<string>): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const message = `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigKeyError([{ path: ['identity', 'api_keys', 'file'], message }], { cause: err });
  }
  const tree = parseTree(text);
  const positions = new SourcePositions(tree.doc, tree.lines);
  const issues: ConfigIssue[] = [];
  const at = (p: readonly PropertyKey[], message: string) => {
    const loc = positions.locate(p);
    issues.push({ file: path, line: loc.line, col: loc.col, path: formatPath(p), message });
  };
  for (const p of [...tree.syntax, ...tree.duplicates]) {
    issues.push({ file: path, ...positions.at(p.offset), path: positions.pathAt(p.offset), message: p.message });
  }
  if (tree.syntax.length > 0) throw new ConfigError(issues);
  const data: unknown = tree.doc.toJS({ maxAliasCount: 100 }) ?? [];
  if (!Array.isArray(data)) {
    at([], 'expected a list of {sha256, user, tier}');
    throw new ConfigError(issues);
  }
  // Entry by entry, so every bad entry is reported, and a tier typo beside a bad digest too.
  const entries: ApiKeyEntry[] = [];
  data.forEach((item: unknown, i) => {
    const parsed = apiKeyEntrySchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) at([i, ...issue.path], issue.message);
      return;
    }
    const e = parsed.data;
    if (tiers !== undefined && !tiers.has(e.tier) && positions.locate([i, 'tier']).exact) {
      at([i, 'tier'], unknownName('tier', e.tier, tiers));
    }
    entries.push(e);
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return entries;
}

/**
 * Lookups hash the presented key first, so the table never holds a usable key and the lookup time does not
 * depend on how much of a guess matches a real key.
 */
export class ApiKeyTable {
  private readonly byHash: ReadonlyMap<string, KeyOwner>;

  constructor(entries: readonly ApiKeyEntry[]) {
    const m = new Map<string, KeyOwner>();
    for (const e of entries) m.set(e.sha256.toLowerCase(), Object.freeze({ user: e.user, tier: e.tier }));
    this.byHash = m;
    Object.freeze(this);
  }

  get size(): number {
    return this.byHash.size;
  }

  lookup(presented: string): KeyOwner | null {
    if (presented.length === 0 || presented.length > 512) return null;
    return this.byHash.get(sha256Hex(presented)) ?? null;
  }
}

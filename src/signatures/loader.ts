// Loads rule files: YAML with positions, schema per rule, file defaults applied, RE2 compile check. Every
// problem of every file is collected and thrown at once as a ConfigError with file:line:col.
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { formatPath, SourcePositions } from '../config/positions.js';
import { parseTree } from '../config/yaml-tree.js';
import {
  defaultConfidence,
  DEFAULT_TARGETS,
  ruleFileSchema,
  ruleSchema,
  SEVERITY_SCORE,
  type RuleSpec,
} from './rule.js';
import { RULE_TRANSFORMS } from './transforms/index.js';
import { sharedRe2, WeakCache } from './compile-cache.js';

/** RE2 compiles these, but they would break the joined-text prefilter (see compile.ts). */
const FORBIDDEN_ESCAPES = /\\[Az]/;

/** Parses one rule file's text; appends problems to `issues`. `file` only names it in messages. */
export function parseRuleFile(text: string, file: string, issues: ConfigIssue[]): RuleSpec[] {
  const tree = parseTree(text);
  const positions = new SourcePositions(tree.doc, tree.lines);
  const at = (path: (string | number)[], message: string, key = false) => {
    const loc = positions.locate(path, { key });
    issues.push({ file, line: loc.line, col: loc.col, path: formatPath(path), message });
  };
  for (const p of [...tree.syntax, ...tree.duplicates]) {
    issues.push({ file, ...positions.at(p.offset), path: positions.pathAt(p.offset), message: p.message });
  }
  if (tree.syntax.length > 0) return [];
  let data: unknown;
  try {
    data = tree.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    at([], `YAML error: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
  const parsedFile = ruleFileSchema.safeParse(data ?? {});
  if (!parsedFile.success) {
    for (const i of parsedFile.error.issues) {
      const path = i.path.filter((k): k is string | number => typeof k !== 'symbol');
      if (i.code === 'unrecognized_keys') for (const k of i.keys) at([...path, k], `unknown key "${k}"`, true);
      else at(path, i.message);
    }
    return [];
  }
  const defaults = parsedFile.data.defaults;
  const out: RuleSpec[] = [];
  parsedFile.data.rules.forEach((raw, index) => {
    const base: (string | number)[] = ['rules', index];
    const parsed = ruleSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const path = [...base, ...i.path.filter((k): k is string | number => typeof k !== 'symbol')];
        if (i.code === 'unrecognized_keys') for (const k of i.keys) at([...path, k], `unknown key "${k}"`, true);
        else at(path, i.message);
      }
      return;
    }
    const r = parsed.data;
    const transforms = r.transforms ?? defaults.transforms ?? [];
    let ok = true;
    transforms.forEach((name, k) => {
      if (!RULE_TRANSFORMS.includes(name)) {
        at(
          [...base, r.transforms ? 'transforms' : 'defaults', k],
          `unknown transform "${name}" (known: ${RULE_TRANSFORMS.join(', ')})`,
        );
        ok = false;
      }
    });
    const ignoreCase = r.ignore_case ?? defaults.ignore_case ?? false;
    const patternLoc = positions.locate([...base, 'pattern']);
    const patternAt = `${file}:${patternLoc.line}:${patternLoc.col}`;
    if (FORBIDDEN_ESCAPES.test(r.pattern.replace(/\\\\/g, ''))) {
      at(
        [...base, 'pattern'],
        'pattern uses \\A or \\z: write ^ and $ instead (texts are matched one value at a time)',
      );
      ok = false;
    }
    try {
      // The shared compile: the engine built from these rules reuses this very object (compile-cache.ts).
      sharedRe2(r.pattern, ignoreCase ? 'iu' : 'u');
    } catch (err) {
      at([...base, 'pattern'], `RE2 cannot compile this pattern: ${err instanceof Error ? err.message : String(err)}`);
      ok = false;
    }
    if (!ok) return;
    const severity = r.severity;
    const loc = positions.locate(base);
    out.push(
      Object.freeze({
        id: r.id,
        description: r.description,
        severity,
        confidence: r.confidence ?? defaults.confidence ?? defaultConfidence(severity),
        score: r.score ?? SEVERITY_SCORE[severity],
        paranoia: r.paranoia ?? defaults.paranoia ?? 1,
        tags: Object.freeze([...new Set([...(defaults.tags ?? []), ...(r.tags ?? [])])]),
        targets: Object.freeze([...(r.targets ?? defaults.targets ?? DEFAULT_TARGETS)]),
        transforms: Object.freeze([...transforms]),
        pattern: r.pattern,
        ignoreCase,
        mode: r.mode ?? defaults.mode ?? 'enforce',
        examples: Object.freeze({
          match: Object.freeze([...r.examples.match]),
          pass: Object.freeze([...r.examples.pass]),
        }),
        source: `${file}:${loc.line}:${loc.col}`,
        at: Object.freeze({ file, line: loc.line, col: loc.col }),
        patternAt,
      }),
    );
  });
  return out;
}

/** One file's parse: its rules and problems, frozen (shared by every load of the same text). */
interface FileParse {
  readonly rules: readonly RuleSpec[];
  readonly issues: readonly ConfigIssue[];
}

/**
 * Parses by file name and text. An unchanged file yields the very same rule objects, so a reload costs no
 * YAML parse and the compile caches (compile-cache.ts) find its rules by identity. Held weakly: a parse
 * lives as long as a rule list handed out with it (below) is held, e.g. by the engine in service.
 */
const parses = new WeakCache<FileParse>();
/** What keeps each handed-out rule list's file parses alive. */
const parsesOf = new WeakMap<readonly RuleSpec[], readonly FileParse[]>();

function parseCached(text: string, file: string): FileParse {
  return parses.get(`${file}\0${text}`, () => {
    const issues: ConfigIssue[] = [];
    const rules = parseRuleFile(text, file, issues);
    return Object.freeze({ rules: Object.freeze(rules), issues: Object.freeze(issues) });
  });
}

/** Loads every file; duplicate ids across files are errors too. Throws ConfigError listing everything. */
export function loadRuleFiles(files: readonly string[]): RuleSpec[] {
  const issues: ConfigIssue[] = [];
  const rules: RuleSpec[] = [];
  const used: FileParse[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      issues.push({
        file,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read rule file: ${err instanceof Error ? err.message : String(err)}`,
      });
      continue;
    }
    const parsed = parseCached(text, file);
    used.push(parsed);
    rules.push(...parsed.rules);
    issues.push(...parsed.issues);
  }
  const seen = new Map<string, RuleSpec>();
  for (const r of rules) {
    const first = seen.get(r.id);
    if (first) {
      issues.push({ ...r.at, path: 'id', message: `duplicate rule id "${r.id}" (first defined at ${first.source})` });
    } else seen.set(r.id, r);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  parsesOf.set(rules, used);
  return rules;
}

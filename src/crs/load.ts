// Loads a CRS directory as ModSecurity and Coraza include it: crs-setup.conf (or the shipped .example), the
// gateway's settings (paranoia level, threshold) as one SecAction after it, then rules/*.conf by name. Every
// problem of every file is collected and thrown at once as a ConfigError with file:line:col.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { lexSecLang, type Directive, type SecLangProblem } from './directives.js';
import { compileProgram } from './compile.js';
import type { Program } from './rule.js';

export interface CrsSettings {
  readonly dir: string;
  /** tx.blocking_paranoia_level (1-4). */
  readonly paranoia_level: number;
  /** tx.detection_paranoia_level: rules above the blocking level run and log but add no blocking score. */
  readonly detection_paranoia_level?: number | undefined;
  /** tx.inbound_anomaly_score_threshold. */
  readonly anomaly_threshold: number;
}

export interface LoadedCrs {
  readonly program: Program;
  /** Every file read (setup, rules, data files): watched for reloads. */
  readonly files: readonly string[];
}

/** The id of the SecAction carrying the gateway's settings (outside CRS's reserved ranges). */
export const SETTINGS_RULE_ID = 9_420_001;

function settingsDirective(s: CrsSettings): string {
  const vars = [
    `setvar:tx.blocking_paranoia_level=${s.paranoia_level}`,
    `setvar:tx.detection_paranoia_level=${s.detection_paranoia_level ?? s.paranoia_level}`,
    `setvar:tx.inbound_anomaly_score_threshold=${s.anomaly_threshold}`,
  ];
  return `SecAction "id:${SETTINGS_RULE_ID},phase:1,pass,nolog,${vars.join(',')}"`;
}

const issue = (p: SecLangProblem): ConfigIssue => ({
  file: p.file,
  line: p.line,
  col: p.col,
  path: 'checks.crs',
  message: p.message,
});

export function loadCrs(settings: CrsSettings, baseDir = process.cwd()): LoadedCrs {
  const root = isAbsolute(settings.dir) ? settings.dir : resolve(baseDir, settings.dir);
  const fail = (message: string): never => {
    throw new ConfigError([{ file: root, line: 1, col: 1, path: 'checks.crs.dir', message }]);
  };
  if (!existsSync(root) || !statSync(root).isDirectory()) fail('not a directory');
  const rulesDir = existsSync(join(root, 'rules')) ? join(root, 'rules') : root;
  const setupDir = rulesDir === root ? dirname(root) : root;
  const setup = ['crs-setup.conf', 'crs-setup.conf.example'].map((f) => join(setupDir, f)).find((f) => existsSync(f));
  const ruleFiles = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => join(rulesDir, f));
  if (ruleFiles.length === 0) fail(`no rules/*.conf in ${root}`);

  const files: string[] = [];
  const directives: Directive[] = [];
  const problems: SecLangProblem[] = [];
  const lex = (text: string, file: string) => {
    const r = lexSecLang(text, file);
    directives.push(...r.directives);
    problems.push(...r.problems);
  };
  const read = (file: string): string => {
    files.push(file);
    return readFileSync(file, 'utf8');
  };
  if (setup !== undefined) lex(read(setup), setup);
  lex(settingsDirective(settings), '<checks.crs>');
  for (const f of ruleFiles) lex(read(f), f);

  const { program, problems: more } = compileProgram(directives, {
    readData(fromFile, name) {
      const path = isAbsolute(name) ? name : join(dirname(fromFile), name);
      try {
        return read(path);
      } catch (e) {
        problems.push({ file: fromFile, line: 1, col: 1, message: `data file ${name}: ${(e as Error).message}` });
        return '';
      }
    },
  });
  problems.push(...more);
  if (problems.length > 0) throw new ConfigError(problems.map(issue));
  const detectionParanoia = Math.max(
    settings.paranoia_level,
    settings.detection_paranoia_level ?? settings.paranoia_level,
  );
  return { program: Object.freeze({ ...program, detectionParanoia }), files };
}

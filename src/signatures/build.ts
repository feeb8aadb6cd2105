// Builds the signature engine from the `checks.signatures` config: finds and loads the rule files,
// checks exclusions against them, compiles. Every problem is reported at once as a ConfigError.
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { SignaturesConfig } from './config.js';
import { POLICY_IDS, SignatureEngine } from './engine.js';
import { unknownExclusionNames } from './exclusions.js';
import { expandGlobs } from './glob.js';
import { loadRuleFiles } from './loader.js';
import type { RuleSpec } from './rule.js';

const CONFIG_PATH = 'checks.signatures';

/** The rule files the config names, resolved against `baseDir` (the working directory for now). */
export function ruleFilesOf(cfg: SignaturesConfig, baseDir: string = process.cwd()): string[] {
  const dir = resolve(baseDir, cfg.rules_dir);
  const { files, unmatched } = expandGlobs(cfg.rule_files, dir);
  if (unmatched.length > 0) {
    throw new ConfigError(
      unmatched.map((p) => ({
        file: dir,
        line: 1,
        col: 1,
        path: `${CONFIG_PATH}.rule_files`,
        message: `no rule file matches "${p}" in ${dir}`,
      })),
    );
  }
  return files;
}

export function buildEngine(
  cfg: SignaturesConfig,
  rules: readonly RuleSpec[],
  routeNames: readonly string[],
): SignatureEngine {
  const problems = unknownExclusionNames(cfg.exclusions, rules, POLICY_IDS);
  if (problems.length > 0) {
    const issues: ConfigIssue[] = problems.map((message) => ({
      file: '(config)',
      line: 1,
      col: 1,
      path: `${CONFIG_PATH}.exclusions`,
      message,
    }));
    throw new ConfigError(issues);
  }
  return new SignatureEngine(rules, cfg, routeNames);
}

/** Loads the rules the config names and builds the engine. Throws ConfigError. */
export function loadSignatureEngine(
  cfg: SignaturesConfig,
  routeNames: readonly string[],
  baseDir?: string,
): SignatureEngine {
  return buildEngine(cfg, loadRuleFiles(ruleFilesOf(cfg, baseDir)), routeNames);
}

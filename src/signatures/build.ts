// Builds the signature engine from the `checks.signatures` config: finds and loads the rule files,
// checks exclusions against them, compiles. Every problem is reported at once, at the config key it concerns.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigKeyError } from '../config/key-error.js';
import type { SignaturesConfig } from './config.js';
import { POLICY_IDS, SignatureEngine } from './engine.js';
import { unknownExclusionNames } from './exclusions.js';
import { expandGlobs } from './glob.js';
import { loadRuleFiles } from './loader.js';
import type { RuleSpec } from './rule.js';

const CONFIG_PATH = ['checks', 'signatures'] as const;

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The rules shipped with Portcullis: the rule folder when the config names none. */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

/**
 * The rule files the config names. The loader made rules_dir absolute (relative to the config file); a
 * rules_dir still relative (a config built in code) resolves against `baseDir`.
 */
export function ruleFilesOf(cfg: SignaturesConfig, baseDir: string = process.cwd()): string[] {
  const dir = cfg.rules_dir === undefined ? SHIPPED_RULES_DIR : resolve(baseDir, cfg.rules_dir);
  if (!isDirectory(dir)) {
    throw new ConfigKeyError([{ path: [...CONFIG_PATH, 'rules_dir'], message: `${dir} is not a folder` }]);
  }
  const { files, unmatched } = expandGlobs(cfg.rule_files, dir);
  if (unmatched.length > 0) {
    throw new ConfigKeyError(
      unmatched.map((p) => ({
        path: [...CONFIG_PATH, 'rule_files', cfg.rule_files.indexOf(p)],
        message: `no rule file matches "${p}" in ${dir}`,
      })),
    );
  }
  return files;
}

/** The tag of the web rule families (rules/web-*.yaml). */
export const WEB_TAG = 'web';

/** Whether the web rules run: `web_rules` on or off, or auto: unless CRS enforces on the targets they read. */
export function webRulesRun(cfg: SignaturesConfig, crsMode: 'enforce' | 'monitor' | 'off'): boolean {
  return cfg.web_rules === 'auto' ? crsMode !== 'enforce' : cfg.web_rules === 'on';
}

/**
 * `costRoutes`: the routes whose cost check refuses by its estimate (cost/routes.ts): their cost-input rules
 * score as LOW, since the estimate refuses what those rules' literals multiply into. `webRules` false: the rules
 * tagged web are left out (webRulesRun); exclusions may still name them (the config stays valid either way).
 */
export function buildEngine(
  cfg: SignaturesConfig,
  rules: readonly RuleSpec[],
  routeNames: readonly string[],
  costRoutes?: ReadonlySet<string>,
  webRules = true,
): SignatureEngine {
  const problems = unknownExclusionNames(cfg.exclusions, rules, POLICY_IDS);
  if (problems.length > 0) {
    throw new ConfigKeyError(
      problems.map((p) => ({ path: [...CONFIG_PATH, 'exclusions', ...p.path], message: p.message })),
    );
  }
  const used = webRules ? rules : rules.filter((r) => !r.tags.includes(WEB_TAG));
  return new SignatureEngine(used, cfg, routeNames, {}, costRoutes);
}

/** Loads the rules the config names and builds the engine. Throws ConfigError. */
export function loadSignatureEngine(
  cfg: SignaturesConfig,
  routeNames: readonly string[],
  baseDir?: string,
  costRoutes?: ReadonlySet<string>,
): SignatureEngine {
  return buildEngine(cfg, loadRuleFiles(ruleFilesOf(cfg, baseDir)), routeNames, costRoutes);
}

// Ready-to-call CLI commands for `portcullis test-rules` and `portcullis explain` (wired in src/main.ts):
// each prints to the given writer and returns the process exit code.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadConfigFile } from '../config/load.js';
import { configSchema, type GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import { located } from '../config/source.js';
import { buildRouter } from '../http/router.js';
import { costRoutesOf } from '../cost/routes.js';
import { buildEngine, ruleFilesOf, webRulesRun } from './build.js';
import { signaturesConfigSchema } from './config.js';
import { explain, formatExplanation } from './explain.js';
import { loadRuleFiles } from './loader.js';
import { testRuleSpecs } from './testing.js';

export interface Writer {
  out(s: string): void;
  err(s: string): void;
}

/** The config file's signatures section, or the defaults when the file does not exist. */
async function configOf(configFile: string): Promise<GatewayConfig | null> {
  if (!existsSync(configFile)) return null;
  return loadConfigFile(configFile);
}

/** `portcullis test-rules [--config FILE]`: 0 when every example behaves, 1 otherwise. */
export async function testRulesCommand(configFile: string, w: Writer): Promise<number> {
  let config: GatewayConfig | null = null;
  try {
    config = await configOf(configFile);
    const sig = config?.checks.signatures ?? signaturesConfigSchema.parse({});
    const files = ruleFilesOf(sig);
    const rules = loadRuleFiles(files);
    const report = testRuleSpecs(rules);
    for (const f of report.failures) {
      w.err(
        `FAIL ${f.rule} (${f.source}) ${f.kind}${f.example === '' ? '' : ` ${JSON.stringify(f.example)}`}: ${f.message}`,
      );
    }
    const passed = report.total - report.failures.length;
    w.out(`${files.length} rule files, ${report.rules} rules: ${passed} passed, ${report.failures.length} failed`);
    return report.failures.length === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof GatewayError) {
      w.err(config !== null ? located(config, e).message : e.message);
      return 1;
    }
    throw e;
  }
}

export interface ExplainArgs {
  readonly configFile: string;
  readonly file: string;
  /** A request path (`/compile`), matched against the config's routes for POST. */
  readonly route?: string;
  readonly tier?: string;
}

/** `portcullis explain --file SAMPLE.tex [--route /compile]`: 0 allowed, 3 refused, 1/2 on errors. */
export async function explainCommand(args: ExplainArgs, w: Writer): Promise<number> {
  let config: GatewayConfig | null = null;
  try {
    config = (await configOf(args.configFile)) ?? configSchema.parse({ upstream: { url: 'http://127.0.0.1:1' } });
    const sig = config.checks.signatures;
    const rules = loadRuleFiles(ruleFilesOf(sig));
    const engine = buildEngine(
      sig,
      rules,
      config.routes.map((r) => r.name),
      costRoutesOf(config),
      webRulesRun(sig, config.checks.crs.mode),
    );
    let route: string | null = null;
    let field = 'tikz_code';
    if (args.route !== undefined) {
      const router = buildRouter(config.routes, { maxResponseBytes: 1, responseTimeoutMs: 1, caseInsensitive: false });
      const hit = router.match('POST', args.route);
      if (hit === null) {
        w.err(`no route for POST ${args.route} in ${args.configFile}`);
        return 2;
      }
      route = hit.name;
      field = [...hit.codeFields][0] ?? field;
    }
    const text = await readFile(args.file, 'utf8');
    const e = explain(text, { engine, route, field, tier: args.tier ?? 'anonymous' });
    w.out(formatExplanation(e, args.file));
    return e.decision === 'deny' ? 3 : 0;
  } catch (e) {
    if (e instanceof GatewayError) {
      w.err(config !== null ? located(config, e).message : e.message);
      return 1;
    }
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') {
      w.err(`cannot read ${args.file}`);
      return 2;
    }
    throw e;
  }
}

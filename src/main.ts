#!/usr/bin/env node
// CLI: portcullis start | check | test-rules | explain — thin wrappers over the runtime and the tools.
import { parseArgs } from 'node:util';
import { loadConfigFile } from './config/load.js';
import { GatewayError } from './core/errors.js';
import { semiSpaceHint } from './core/node-flags.js';
import { startGateway } from './runtime.js';
import { createLogger } from './telemetry/logger.js';
import { explainCommand, testRulesCommand } from './signatures/cli.js';

const USAGE = `usage: portcullis <command> [options]

commands:
  start       [--config FILE]                 run the gateway (default ./gateway.yaml)
  check       [--config FILE]                 validate a configuration; prints every problem, exits 1 if any
  test-rules  [--config FILE]                 run every rule's own examples
  explain     --file SAMPLE.tex [--route PATH] [--config FILE]
                                              show how the signatures see a sample and what they decide
                                              (exit 0: allowed, 3: would be refused)
`;

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}
function err(s: string): void {
  process.stderr.write(s.endsWith('\n') ? s : s + '\n');
}

async function start(configFile: string): Promise<number> {
  const log = createLogger(process.env.LOG_LEVEL ?? 'info');
  let gw;
  try {
    gw = await startGateway({ configFile, logger: log });
  } catch (e) {
    // A configuration that cannot be read or is invalid is the operator's to fix: one clear message, as
    // `check` prints it, no stack trace. (ConfigError is a GatewayError.)
    if (e instanceof GatewayError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
  log.info({ data: gw.url, admin: gw.adminUrl, config: configFile }, 'portcullis listening');
  const hint = semiSpaceHint(process.execArgv, process.env.NODE_OPTIONS);
  if (hint !== null) log.info(hint);
  process.on('SIGHUP', () => void gw.reload());
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, inflight: gw.inflight }, 'draining');
    void gw.close().then(
      () => {
        log.info('stopped');
        log.flush();
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1; // keep running
}

async function check(configFile: string): Promise<number> {
  try {
    await loadConfigFile(configFile);
    out(`${configFile}: ok`);
    return 0;
  } catch (e) {
    if (e instanceof GatewayError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c', default: 'gateway.yaml' },
      file: { type: 'string', short: 'f' },
      route: { type: 'string', short: 'r' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help || command === undefined || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'start':
      return start(values.config!);
    case 'check':
      return check(values.config!);
    case 'test-rules':
      return testRulesCommand(values.config!, { out, err });
    case 'explain':
      if (values.file === undefined) {
        err(`explain needs --file SAMPLE.tex\n\n${USAGE}`);
        return 2;
      }
      return explainCommand({ configFile: values.config!, file: values.file, route: values.route }, { out, err });
    default:
      err(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    err(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  },
);

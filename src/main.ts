#!/usr/bin/env node
// CLI: portcullis start | check | test-rules | explain | hash-key, --help, --version — thin wrappers over the runtime and the tools.
import { parseArgs } from 'node:util';
import { checkConfigFile } from './runtime/check.js';
import { crsReport } from './crs/report.js';
import { GatewayError } from './core/errors.js';
import { semiSpaceHint } from './core/node-flags.js';
import { startGateway } from './runtime.js';
import { createLogger } from './telemetry/logger.js';
import { explainCommand, testRulesCommand } from './signatures/cli.js';
import { USAGE, helpOf, isCommand, version } from './cli/usage.js';
import { hashKeyCommand } from './cli/hash-key.js';
import { explainRequestCommand } from './cli/explain-request.js';
import { explainEventCommand } from './cli/explain-event.js';

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
  // SIGHUP: logrotate's signal (reopen the log files by their paths) and the reload signal
  process.on('SIGHUP', () => {
    gw.reopenLogs();
    void gw.reload();
  });
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
    const config = await checkConfigFile(configFile);
    out(`${configFile}: ok`);
    for (const line of crsReport(config)) out(line);
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
  if (command === '--version' || command === '-v' || command === 'version') {
    out(`portcullis ${version()}`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    out(topic !== undefined && isCommand(topic) ? helpOf(topic) : USAGE);
    return 0;
  }
  if (command === undefined) {
    err(USAGE);
    return 2;
  }
  if (!isCommand(command)) {
    err(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string', short: 'c', default: 'gateway.yaml' },
        file: { type: 'string', short: 'f' },
        route: { type: 'string', short: 'r' },
        request: { type: 'string' },
        tier: { type: 'string' },
        user: { type: 'string' },
        id: { type: 'string' },
        events: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    // parseArgs' own message names the option ("Unknown option '--confg'"); the command's help says the rest.
    err(`${e instanceof Error ? e.message : String(e)}\n\n${helpOf(command)}`);
    return 2;
  }
  if (values.help) {
    out(helpOf(command));
    return 0;
  }
  switch (command) {
    case 'start':
      return start(values.config!);
    case 'check':
      return check(values.config!);
    case 'test-rules':
      return testRulesCommand(values.config!, { out, err });
    case 'explain':
      if (values.id !== undefined) {
        return explainEventCommand({ configFile: values.config!, id: values.id, events: values.events }, { out, err });
      }
      if (values.file !== undefined) {
        return explainCommand(
          { configFile: values.config!, file: values.file, route: values.route, tier: values.tier },
          { out, err },
        );
      }
      if (values.request === undefined && process.stdin.isTTY) {
        err(`explain needs --request FILE, --request - (stdin) or --file SAMPLE.tex\n\n${helpOf('explain')}`);
        return 2;
      }
      return explainRequestCommand(
        { configFile: values.config!, request: values.request ?? '-', tier: values.tier, stdin: process.stdin },
        { out, err },
      );
    case 'hash-key':
      if (process.stdin.isTTY) err('type the key, then Enter and Ctrl-D');
      return hashKeyCommand(process.stdin, { user: values.user, tier: values.tier }, { out, err });
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

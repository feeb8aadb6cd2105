// `portcullis check`: loads the file and runs the very build `start` runs (runtime/snapshot.ts: rules,
// exclusions, lists, feeds, databases, keys, audit settings), leaving out only the network: no listener is
// bound, the store is the in-memory one (Redis is not dialled), the upstream pool is never used, and files the
// gateway writes are checked on disk rather than opened. What check accepts, start accepts, and the reverse.
import { Pool } from 'undici';
import { loadConfigFile, refusedConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { Resources } from '../core/resources.js';
import { CHECKS, type CheckEntry } from '../checks/registry.js';
import { Decisions } from '../reputation/decisions.js';
import { MemoryStore } from '../store/memory.js';
import { createLogger } from '../telemetry/logger.js';
import { buildConfiguration } from './snapshot.js';

/** Builds `config` as start would, without the network; throws ConfigError listing every problem. */
export async function buildOffline(config: GatewayConfig, checks: readonly CheckEntry[] = CHECKS): Promise<void> {
  const clock = systemClock;
  const log = createLogger('silent');
  const resources = new Resources();
  const store = new MemoryStore({ maxKeys: config.store.memory.max_keys, clock });
  // A pool connects on its first request, which a check never makes.
  const pool = new Pool(config.upstream.url, { connections: 1 });
  try {
    buildConfiguration(config, {
      store,
      clock,
      log,
      resources,
      services: Object.freeze({ blocks: new Decisions(store, clock, log) }),
      pool,
      checks,
      openOutputs: false,
    });
  } finally {
    await resources.closeAll(1_000);
    await pool.destroy();
    await store.close();
  }
}

/**
 * A load refusal completed with the build's problems, so one run lists everything: when the file was
 * schema-valid but refused (a missing file, an unknown name), the build is still tried and what it finds is
 * added, except problems at keys already reported. `start` and `check` both report through this.
 */
export async function withBuildProblems(error: unknown, checks: readonly CheckEntry[] = CHECKS): Promise<unknown> {
  const config = refusedConfig(error);
  if (config === undefined || !(error instanceof ConfigError)) return error;
  try {
    await buildOffline(config, checks);
    return error;
  } catch (built) {
    if (!(built instanceof ConfigError)) return error;
    const seen = new Set(error.issues.map(key));
    const more = built.issues.filter((i) => !seen.has(key(i)));
    return more.length === 0 ? error : new ConfigError(merge(error.issues, more));
  }
}

function key(i: ConfigIssue): string {
  return `${i.file}\0${i.path}`;
}

/** The config file's issues in source order, then other files' (rule files, key files) in the build's order. */
function merge(loaded: readonly ConfigIssue[], built: readonly ConfigIssue[]): ConfigIssue[] {
  const file = loaded[0]?.file;
  const inFile = [...loaded, ...built.filter((i) => i.file === file)].sort((a, b) => a.line - b.line || a.col - b.col);
  return [...inFile, ...built.filter((i) => i.file !== file)];
}

/** Loads and builds `file` as start would; throws ConfigError listing every problem (GatewayError if unreadable). */
export async function checkConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  checks: readonly CheckEntry[] = CHECKS,
): Promise<GatewayConfig> {
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(file, env);
  } catch (e) {
    throw await withBuildProblems(e, checks);
  }
  await buildOffline(config, checks);
  return config;
}

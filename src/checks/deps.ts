// What a check factory is given and returns: the contract between the runtime and src/checks (its own file, so
// the registry and the factories it lists do not import each other).
import type { Check, ResponseCheck } from '../core/check.js';
import type { Clock } from '../core/clock.js';
import type { Resources } from '../core/resources.js';
import type { AdminHandler } from '../core/admin-route.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Decisions } from '../reputation/decisions.js';

/**
 * Long-lived services the runtime creates once and hands to every configuration's checks. A check uses them;
 * it never creates them, so turning a module off by reload cannot leave a service half-owned by a dead config.
 */
export interface Services {
  /** Blocks shared by every instance (module `block`); other modules make automatic blocks through it. */
  readonly blocks: Decisions;
}

/** What a check may use besides its config. Store, clock, log, resources and services outlive reloads. */
export interface CheckDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly resources: Resources;
  /** The gateway's metrics, for checks that count what the log phase cannot see; absent in unit tests. */
  readonly metrics?: Metrics;
  /** Absent in tests that build single checks; a check that needs one refuses to build without it. */
  readonly services?: Services;
  /**
   * Registers an admin API handler under `METHOD /admin/api/...` (bearer token checked before it runs) in the
   * route table of the snapshot being built: the routes live and die with the configuration that made them.
   */
  readonly admin?: (route: string, handler: AdminHandler) => void;
  /**
   * Names a file the configuration is built from (rule files, API-key files): an edit reloads the whole
   * configuration, with the same refusal of a bad file as gateway.yaml. Absent: nothing is watched.
   */
  readonly watch?: (path: string) => void;
}

export type Built = Check | ResponseCheck;

/** A factory returns null when its check is off or not configured. It may throw ConfigError. */
export type CheckFactory = (config: GatewayConfig, deps: CheckDeps) => Built | readonly Built[] | null;

export interface CheckEntry {
  readonly name: string;
  readonly build: CheckFactory;
}

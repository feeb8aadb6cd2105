// Check registry: resolves the checks named in config to built, frozen check instances, in phase order.
import type { Check, ResponseCheck } from '../core/check.js';
import type { Clock } from '../core/clock.js';
import type { Resources } from '../core/resources.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { AdminHandler } from '../http/admin.js';
import type { Decisions } from '../reputation/decisions.js';
import { buildHeadersCheck } from './headers.js';
import { buildIdentityCheck } from './identity.js';
import { buildConcurrencyCheck } from './concurrency.js';
import { buildRateLimitCheck } from './rate-limit.js';
import { buildSignaturesCheck } from './signatures.js';
import { buildGeoCheck } from './geo.js';
import { buildReputationCheck } from './reputation.js';
import { buildDecisionsCheck, buildUserBlockCheck } from './decisions.js';

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

/**
 * Every check the gateway knows, cheapest first within each phase (the pipeline keeps this order per
 * phase). Tests may pass their own list to buildChecks.
 */
export const CHECKS: readonly CheckEntry[] = [
  // connection phase: client address only; reputation first (it marks allow-listed and bypassing clients)
  { name: 'reputation', build: buildReputationCheck },
  { name: 'decisions', build: buildDecisionsCheck },
  { name: 'geo', build: buildGeoCheck },
  { name: 'headers', build: buildHeadersCheck },
  // identity decides the tier; the in-flight cap (local) before the rate counters (one store call)
  { name: 'identity', build: buildIdentityCheck },
  // a blocked user is known only once identity has run
  { name: 'user-blocks', build: buildUserBlockCheck },
  { name: 'concurrency', build: buildConcurrencyCheck },
  { name: 'rate', build: buildRateLimitCheck },
  { name: 'signatures', build: buildSignaturesCheck },
];

export interface BuiltChecks {
  readonly request: readonly Check[];
  readonly response: readonly ResponseCheck[];
}

function isResponseCheck(b: Built): b is ResponseCheck {
  return 'needsBody' in b;
}

export function buildChecks(
  config: GatewayConfig,
  deps: CheckDeps,
  entries: readonly CheckEntry[] = CHECKS,
): BuiltChecks {
  const request: Check[] = [];
  const response: ResponseCheck[] = [];
  for (const entry of entries) {
    const made = entry.build(config, deps);
    if (made === null) continue;
    const list: readonly Built[] = Array.isArray(made) ? made : [made as Built];
    for (const b of list) {
      if (b.mode === 'off') continue;
      if (isResponseCheck(b)) response.push(b);
      else request.push(b);
    }
  }
  return Object.freeze({ request: Object.freeze(request), response: Object.freeze(response) });
}

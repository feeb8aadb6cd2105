// Check registry: resolves the checks named in config to built, frozen check instances, in phase order.
import type { Check, ResponseCheck } from '../core/check.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Built, CheckDeps, CheckEntry } from './deps.js';
import { buildHeadersCheck } from './headers.js';
import { buildIdentityCheck } from './identity.js';
import { buildConcurrencyCheck } from './concurrency.js';
import { buildRateLimitCheck } from './rate-limit.js';
import { buildBudgetsCheck } from './budgets.js';
import { buildAdmissionCheck } from './admission.js';
import { buildSignaturesCheck } from './signatures.js';
import { buildCostCheck } from './cost.js';
import { buildCrsCheck } from './crs.js';
import { buildBehaviourCheck } from './behaviour.js';
import { buildGeoCheck } from './geo.js';
import { buildReputationCheck } from './reputation.js';
import { buildDecisionsCheck, buildUserBlockCheck } from './decisions.js';
import { buildProbingCheck } from './probing.js';
import { buildAccessLogCheck } from './access-log.js';
import { buildResponseChecks } from './response.js';
import { buildTrustCheck } from './trust.js';
import { buildIncidentsCheck } from './incidents.js';

export type { Built, CheckDeps, CheckEntry, CheckFactory, Services } from './deps.js';

/**
 * Every check the gateway knows, cheapest first within each phase (the pipeline keeps this order per
 * phase). Tests may pass their own list to buildChecks.
 */
export const CHECKS: readonly CheckEntry[] = [
  // connection phase: client address only; reputation first (it marks allow-listed and bypassing clients)
  { name: 'reputation', build: buildReputationCheck },
  { name: 'decisions', build: buildDecisionsCheck },
  // clients that probed unmatched paths (a scanner's 404s), refused for a while
  { name: 'probing', build: buildProbingCheck },
  { name: 'geo', build: buildGeoCheck },
  { name: 'headers', build: buildHeadersCheck },
  // identity decides the tier; the in-flight cap (local) before the rate counters (one store call)
  { name: 'identity', build: buildIdentityCheck },
  // a blocked user is known only once identity has run
  { name: 'user-blocks', build: buildUserBlockCheck },
  { name: 'concurrency', build: buildConcurrencyCheck },
  { name: 'rate', build: buildRateLimitCheck },
  // compile seconds spent (a store read), after the request counters
  { name: 'budget', build: buildBudgetsCheck },
  { name: 'signatures', build: buildSignaturesCheck },
  // the compile-cost estimate of code fields: after the signatures, so a refused attack is not estimated
  { name: 'cost', build: buildCostCheck },
  // the OWASP CRS on every non-code target (off unless checks.crs names a CRS directory)
  { name: 'crs', build: buildCrsCheck },
  // behaviour per client (one store read): after the content checks, before trust, which reads ctx.behaviour
  { name: 'behaviour', build: buildBehaviourCheck },
  // the trust score reads what every check before it found
  { name: 'trust', build: buildTrustCheck },
  // the last body-phase check: a compile slot is taken only by a request nothing else refused
  { name: 'admission', build: buildAdmissionCheck },
  // the access log (logging.access): a log-phase hook only, built when the log is on
  { name: 'access-log', build: buildAccessLogCheck },
  // incidents (a log-phase hook): each finished request's signal, counted into shared incidents off the path
  { name: 'incidents', build: buildIncidentsCheck },
  // response phase: per route, canaries then SVG inspection
  { name: 'response', build: buildResponseChecks },
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

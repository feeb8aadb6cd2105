// The frozen per-config state the data plane reads per request: routes, checks by phase, limits, headers, the
// upstream pool, the admin route table. Built by the runtime (runtime/snapshot.ts) at load and swapped whole on
// reload; requests in flight keep the snapshot they started with.
import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import type { Check, ResponseCheck, RequestPhase } from '../core/check.js';
import type { AdminHandler } from '../core/admin-route.js';
import type { CidrSet } from '../net/cidr.js';
import type { BodyLimits } from '../body/limits.js';
import type { Router } from './router.js';
import type { HeaderList } from './security-headers.js';
import type { Disclose } from './refusal.js';

export interface Snapshot {
  readonly config: GatewayConfig;
  readonly router: Router;
  readonly trusted: CidrSet;
  readonly securityHeaders: HeaderList;
  readonly requestIdHeader: string;
  readonly disclose: Disclose;
  readonly phases: Readonly<Record<RequestPhase, readonly Check[]>>;
  readonly response: readonly ResponseCheck[];
  /** Checks with a log hook (onComplete), in order. */
  readonly logChecks: readonly Check[];
  readonly limits: ReadonlyMap<string, BodyLimits>;
  readonly pool: Dispatcher;
  /**
   * The admin API of this configuration (`METHOD /admin/api/...`): the runtime's own routes and those the
   * checks registered while being built. Swapped with the snapshot, so a module turned off by reload stops
   * answering its routes.
   */
  readonly admin: ReadonlyMap<string, AdminHandler>;
  readonly loadedAt: number;
}

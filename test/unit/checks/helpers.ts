// Shared by the check unit tests: a parsed config, real dependencies (memory store, fake clock), a context.
import { FakeClock } from '../../../src/core/clock.js';
import { RequestContext } from '../../../src/core/context.js';
import { Resources } from '../../../src/core/resources.js';
import type { TerminalVerdict, Verdict } from '../../../src/core/verdict.js';
import { configSchema, type GatewayConfig } from '../../../src/config/schema.js';
import type { AdminHandler } from '../../../src/http/admin.js';
import type { CheckDeps } from '../../../src/checks/registry.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/store.js';
import { createLogger } from '../../../src/telemetry/logger.js';

export const NOW = 1_800_000_000_000;

export function config(extra: Record<string, unknown>): GatewayConfig {
  return configSchema.parse({ upstream: { url: 'http://127.0.0.1:1' }, ...extra });
}

export interface TestDeps extends CheckDeps {
  readonly clock: FakeClock;
  /** What the check registered through deps.admin, by `METHOD /path`. */
  readonly routes: Map<string, AdminHandler>;
}

export function deps(store?: Store): TestDeps {
  const clock = new FakeClock(NOW);
  const routes = new Map<string, AdminHandler>();
  return {
    store: store ?? new MemoryStore({ maxKeys: 10_000, clock }),
    clock,
    log: createLogger('silent'),
    resources: new Resources(),
    routes,
    admin: (route, handler) => routes.set(route, handler),
  };
}

export function ctx(headers: Record<string, string> = {}, clientIp = '198.51.100.7'): RequestContext {
  const c = new RequestContext('GET', headers, 0);
  c.clientIp = clientIp;
  c.peerIp = clientIp;
  return c;
}

/** `continue` or `<status> <reasons>`: one string that says what a verdict would do. */
export function outcome(v: Verdict): string {
  return v.kind === 'continue' ? 'continue' : `${v.status} ${(v as TerminalVerdict).reasons.join(',')}`;
}

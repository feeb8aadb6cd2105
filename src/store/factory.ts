// Builds the configured Store once at startup (it outlives config reloads): memory, or Redis behind its failure policy.
import type { Clock } from '../core/clock.js';
import { parseHostPort, type StoreConfig } from './config.js';
import { FailoverStore, type StoreStatus, type StoreTelemetry, type TransitionLog } from './failover.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { Store } from './store.js';

export interface BuiltStore {
  readonly store: Store;
  /** 'degraded' while a shared store is down (for /readyz); memory is always 'up'. */
  status(): StoreStatus;
  /** Waits for the first connection (Redis), true when connected; memory resolves true at once. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreDeps {
  readonly clock: Clock;
  readonly log: TransitionLog;
  readonly telemetry?: StoreTelemetry;
}

export function createStore(config: StoreConfig, deps: StoreDeps): BuiltStore {
  const memory = new MemoryStore({ maxKeys: config.memory.max_keys, clock: deps.clock });
  if (config.type === 'memory') {
    deps.telemetry?.storeUp.set(1);
    return { store: memory, status: () => 'up', ready: () => Promise.resolve(true), close: () => memory.close() };
  }
  const r = config.redis;
  let failover: FailoverStore | null = null;
  const redis = new RedisStore({
    mode: r.mode,
    url: r.url,
    nodes: r.nodes.map(parseHostPort),
    sentinelName: r.sentinel_name,
    ...(r.username !== undefined ? { username: r.username } : {}),
    ...(r.password !== undefined ? { password: r.password } : {}),
    tls: r.tls,
    prefix: r.key_prefix,
    timeoutMs: r.timeout_ms,
    connectTimeoutMs: r.connect_timeout_ms,
    clock: deps.clock,
    onConnection: (up, detail) => failover?.connectionChanged(up, detail),
  });
  failover = new FailoverStore(redis, memory, {
    policy: r.on_failure,
    retryMs: r.retry_ms,
    log: deps.log,
    ...(deps.telemetry !== undefined ? { telemetry: deps.telemetry } : {}),
  });
  const f = failover;
  return { store: f, status: () => f.status(), ready: (ms) => redis.ready(ms), close: () => f.close() };
}

/** A /readyz entry: a shared store that is down leaves the gateway ready but degraded (its policy applies). */
export function storeReadiness(built: BuiltStore): {
  readonly name: string;
  check(): Promise<{ state: 'ok' | 'degraded'; detail: string }>;
} {
  return {
    name: 'store',
    check: async () =>
      built.status() === 'up'
        ? { state: 'ok', detail: built.store.kind }
        : { state: 'degraded', detail: `${built.store.kind} unavailable` },
  };
}

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
  /** True when an outage refuses requests (Redis with on_failure: fail-closed) instead of degrading them. */
  readonly failClosed: boolean;
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
    return {
      store: memory,
      status: () => 'up',
      failClosed: false,
      ready: () => Promise.resolve(true),
      close: () => memory.close(),
    };
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
  return {
    store: f,
    status: () => f.status(),
    failClosed: f.policy === 'fail-closed',
    ready: (ms) => redis.ready(ms),
    close: () => f.close(),
  };
}

/**
 * A /readyz entry. A shared store that is down leaves a fail-open gateway ready but degraded (local limits
 * take over); under fail-closed every request that needs the store gets 503, so the gateway is not ready and
 * a load balancer should send its traffic elsewhere until the store is back.
 */
export function storeReadiness(built: Pick<BuiltStore, 'store' | 'status' | 'failClosed'>): {
  readonly name: string;
  check(): Promise<{ state: 'ok' | 'degraded' | 'down'; detail: string }>;
} {
  return {
    name: 'store',
    check: async () => {
      if (built.status() === 'up') return { state: 'ok', detail: built.store.kind };
      if (built.failClosed) return { state: 'down', detail: `${built.store.kind} unavailable (fail-closed)` };
      return { state: 'degraded', detail: `${built.store.kind} unavailable (fail-open)` };
    },
  };
}

// ioredis client construction for the three deployments: standalone, Sentinel-managed and Cluster.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface RedisConnectionOptions {
  readonly mode: 'standalone' | 'sentinel' | 'cluster';
  /** standalone: redis://[user:pass@]host:port[/db] or rediss:// for TLS. */
  readonly url?: string;
  /** cluster: seed nodes; sentinel: the sentinels. */
  readonly nodes?: readonly RedisEndpoint[];
  /** sentinel: the monitored master's name. */
  readonly sentinelName?: string;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: boolean;
  /** Per-command timeout: a slower answer counts as a failure (the store's policy then applies). */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

export type RedisClient = Redis | Cluster;

/** Reconnect forever with a capped backoff, so shared state resumes by itself when Redis returns. */
const backoff = (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), 1_000);

/**
 * `forCommands`: the client for the request path. It has no offline queue: while Redis is away a command
 * fails at once (and the store's policy takes over) instead of waiting for a reconnect. The subscriber keeps
 * the queue so its SUBSCRIBE survives reconnects.
 */
export function createRedisClient(o: RedisConnectionOptions, forCommands: boolean): RedisClient {
  const common: RedisOptions = {
    connectTimeout: o.connectTimeoutMs,
    ...(forCommands ? { commandTimeout: o.timeoutMs, maxRetriesPerRequest: 0 } : { maxRetriesPerRequest: null }),
    ...(o.username !== undefined && o.username !== '' ? { username: o.username } : {}),
    ...(o.password !== undefined && o.password !== '' ? { password: o.password } : {}),
    ...(o.tls === true ? { tls: {} } : {}),
    enableReadyCheck: true,
    lazyConnect: false,
  };
  if (o.mode === 'cluster') {
    const nodes = (o.nodes ?? []).map((n) => ({ host: n.host, port: n.port }));
    const options: ClusterOptions = {
      enableOfflineQueue: !forCommands,
      clusterRetryStrategy: backoff,
      // Slots are refreshed on MOVED as well; this bounds how long a refresh may hang on a dead node.
      slotsRefreshTimeout: Math.max(o.connectTimeoutMs, 1_000),
      scaleReads: 'master',
      redisOptions: common,
    };
    return new Cluster(nodes, options);
  }
  const base: RedisOptions = {
    ...common,
    enableOfflineQueue: !forCommands,
    retryStrategy: backoff,
    ...(o.db !== undefined ? { db: o.db } : {}),
  };
  if (o.mode === 'sentinel') {
    const sentinels = (o.nodes ?? []).map((n) => ({ host: n.host, port: n.port }));
    return new Redis({ ...base, sentinels, name: o.sentinelName ?? 'mymaster', sentinelRetryStrategy: backoff });
  }
  return new Redis(o.url ?? 'redis://127.0.0.1:6379', base);
}

/** Resolves true once the client is ready, false after timeoutMs (it keeps trying in the background). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

// Composition root: config -> snapshot (checks, routes, admin routes, limits) swapped whole on reload; the
// services checks use (store, blocks), pools, metrics and listeners live outside the snapshot and outlive it.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Pool } from 'undici';
import { loadConfigFile } from './config/load.js';
import { configSchema, type GatewayConfig } from './config/schema.js';
import { holdRestartOnly, restartOnlyKeysOf, type RestartOnlyKey } from './config/lifetimes.js';
import { ConfigReloader, type ReloadOutcome } from './config/reloader.js';
import { WatchedFile } from './config/watched-file.js';
import { systemClock, type Clock } from './core/clock.js';
import { GatewayError } from './core/errors.js';
import { Resources } from './core/resources.js';
import { reopenAccessLogs } from './telemetry/access-log.js';
import { buildConfiguration, type Snapshot } from './runtime/snapshot.js';
import { withBuildProblems } from './runtime/check.js';
import { CHECKS, type CheckEntry, type Services } from './checks/registry.js';
import type { BlocksPlan } from './runtime/blocks.js';
import { Decisions } from './reputation/decisions.js';
import { ORIGINS } from './reputation/decision.js';
import { createStore, storeReadiness, type BuiltStore } from './store/factory.js';
import type { Store } from './store/store.js';
import { DataPlane } from './http/data-plane.js';
import { onClientError } from './http/client-errors.js';
import { adminHandler, type AdminHandler, type Readiness } from './http/admin.js';
import { buildTokenCheck, type TokenCheck } from './http/admin-auth.js';
import { createPool, poolKey, upstreamReadiness } from './proxy/pool.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { createEventSink, type EventSink } from './telemetry/events.js';
import { RecentEvents, teeEvents } from './telemetry/recent-events.js';
import { SharedEvents } from './telemetry/shared-events.js';
import { eventsApi } from './admin/events-api.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { seedConfigSeries, seedProcessSeries } from './telemetry/seed.js';

const STORE_CONNECT_WAIT_MS = 2_000;
/**
 * After the drain time, what is left (pools, store connections) gets at least this long to close politely
 * before it is destroyed: enough for a healthy Redis to answer QUIT, short enough that SIGTERM still exits.
 */
const CLOSE_FLOOR_MS = 250;
/** Block refusals every route can answer while the blocks module is on (their series exist at zero). */
const BLOCK_REFUSALS: readonly (readonly [string, string])[] = Object.freeze(
  ORIGINS.map((o) => Object.freeze(['block', `block:${o}`] as const)),
);
/** Read from the schema once: the keys a reload cannot apply. */
const RESTART_ONLY: readonly RestartOnlyKey[] = restartOnlyKeysOf(configSchema);

/** Resolves true when `p` settles within `ms`, false when the time ran out first (p keeps running). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Why a listener could not open, in the operator's words (the rest keep Node's code). */
const LISTEN_PROBLEMS: Readonly<Record<string, string>> = Object.freeze({
  EADDRINUSE: 'the address is already in use (another process, or another portcullis, holds the port)',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'no interface of this machine has that address',
});

/**
 * Listens, or fails with one GatewayError naming the key, address and cause: a refused start is the
 * operator's to fix and gets one clear line from the CLI, not a stack trace.
 */
function listenOn(
  server: http.Server,
  key: string,
  at: { readonly host: string; readonly port: number },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const why = LISTEN_PROBLEMS[err.code ?? ''] ?? err.code ?? err.message;
      reject(
        new GatewayError('GW_ERR_LISTEN', `cannot listen on ${at.host}:${at.port} (${key}): ${why}`, { cause: err }),
      );
    };
    server.once('error', failed);
    server.listen(at.port, at.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

export interface StartOptions {
  readonly configFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly checks?: readonly CheckEntry[];
  readonly logger?: Logger;
  readonly events?: EventSink;
  /** Reload when the file changes (default true). SIGHUP is wired by the CLI, not here. */
  readonly watch?: boolean;
  /**
   * Probe the upstream's health path in the background every upstream.health_interval_ms (default true), so
   * portcullis_upstream_up is true without a /readyz call. Tests that count what the upstream saw turn it off.
   */
  readonly probeUpstream?: boolean;
  readonly defaultMetrics?: boolean;
}

export class Gateway {
  readonly resources = new Resources();
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly events: EventSink;
  /** The last security events, for GET /admin/api/events. */
  readonly recentEvents: RecentEvents;
  /** The last events of every instance, through a shared store (null: memory store, or recent_events 0). */
  private sharedEvents: SharedEvents | null = null;
  readonly store: Store;
  /** Long-lived services, created here once and handed to the checks of every configuration. */
  readonly services: Services;
  readonly readiness: Readiness[] = [];
  /** The runtime's own admin routes; every snapshot's route table starts from these. */
  private readonly coreRoutes = new Map<string, AdminHandler>();
  /** Built in listen(), once the store had its chance to connect (checks load shared state at build). */
  private snap!: Snapshot;
  private readonly builtStore: BuiltStore;
  /** Admin token digests, derived from the config in service (hashed once per load, not per admin call). */
  private tokenCheck: TokenCheck | null = null;
  private readonly pools = new Map<string, Pool>();
  /** Pools a reload replaced, still closing (their requests in flight finish); shutdown destroys the rest. */
  private readonly retiring = new Set<Pool>();
  /** The resource keys each snapshot's build asked for (see Resources.release). */
  private readonly named = new WeakMap<Snapshot, ReadonlySet<string>>();
  /** How each snapshot runs the blocks service (null: module off), applied when it swaps in. */
  private readonly blocksPlans = new WeakMap<Snapshot, BlocksPlan | null>();
  /** Restart-only keys a reloaded file changed (the snapshot kept their running values). */
  private readonly held = new WeakMap<Snapshot, readonly RestartOnlyKey[]>();
  private readonly plane: DataPlane;
  private readonly server: http.Server;
  private readonly admin: http.Server;
  private readonly reloader: ConfigReloader<Snapshot>;
  private watcher: WatchedFile | null = null;
  private closing: Promise<void> | null = null;
  /** Set when close() starts: /readyz says not ready from then on. */
  private draining = false;
  /** The upstream health probe /readyz runs, also run in the background (probeInBackground). */
  private readonly upstreamHealth: Readiness;
  private probeTimer: NodeJS.Timeout | null = null;
  /** Open data-plane connections: at the end of the drain time each unanswered request gets its 503. */
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly opts: StartOptions,
    private readonly initial: GatewayConfig,
  ) {
    const config = initial;
    const clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? createLogger(config.logging.level);
    this.metrics = createMetrics({ defaultMetrics: opts.defaultMetrics !== false });
    seedProcessSeries(this.metrics);
    this.recentEvents = new RecentEvents(config.logging.recent_events);
    this.events = teeEvents(
      opts.events ??
        createEventSink(config.logging.events, (err) =>
          this.log.error(
            { err, file: config.logging.events },
            'security event log failed (writing goes on to the file open before)',
          ),
        ),
      this.recentEvents,
      () => this.sharedEvents,
    );
    const built = this.resources.get('store', () =>
      createStore(config.store, { clock, log: this.log, telemetry: this.metrics }),
    );
    this.store = built.store;
    this.builtStore = built;
    // a shared store: the recent events of every instance, for the events API of any of them
    if (built.store.kind !== 'memory' && config.logging.recent_events > 0)
      this.sharedEvents = new SharedEvents(
        built.store,
        config.logging.recent_events,
        this.log,
        () => built.status() === 'up',
      );
    // Asked for outside any build: pinned, closed only with the gateway.
    const blocks = this.resources.get('decisions', () => new Decisions(built.store, clock, this.log));
    this.services = Object.freeze({ blocks });
    this.plane = new DataPlane(() => this.snap, this.metrics, this.events, this.log);
    const s = config.server;
    this.server = http.createServer(
      {
        maxHeaderSize: s.max_header_bytes,
        headersTimeout: s.headers_timeout_ms,
        requestTimeout: s.headers_timeout_ms + s.body_timeout_ms,
        keepAliveTimeout: s.keep_alive_timeout_ms,
        connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(s.headers_timeout_ms / 4))),
        requireHostHeader: false, // checked by the data plane, answered with a JSON refusal
        joinDuplicateHeaders: false,
      },
      this.plane.handle,
    );
    this.server.on('checkContinue', this.plane.handleContinue);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on(
      'clientError',
      onClientError({
        metrics: this.metrics,
        events: this.events,
        active: this.plane.active,
        settings: () => ({
          disclose: this.snap.disclose,
          securityHeaders: this.snap.securityHeaders,
          requestIdHeader: this.snap.requestIdHeader,
        }),
      }),
    );
    this.readiness.push(
      storeReadiness(built),
      {
        name: 'config',
        check: async () => ({ state: 'ok', detail: `loaded ${new Date(this.snap.loadedAt).toISOString()}` }),
      },
      (this.upstreamHealth = upstreamReadiness(
        () => ({ pool: this.snap.pool as Pool, upstream: this.snap.config.upstream }),
        (up) => this.metrics.upstreamUp.set(up ? 1 : 0),
      )),
      {
        // SIGTERM's first step: a load balancer polling /readyz stops sending before connections are refused
        name: 'serving',
        check: async () => (this.draining ? { state: 'down', detail: 'draining (shutting down)' } : { state: 'ok' }),
      },
    );
    this.admin = http.createServer(
      adminHandler({
        registry: this.metrics.registry,
        readiness: () => this.readiness,
        tokens: () => this.tokenCheck,
        // Before the first build (listen() failed early) only the runtime's own routes exist.
        routes: () => this.current?.admin ?? this.coreRoutes,
      }),
    );
    for (const [route, handler] of Object.entries(eventsApi(this.recentEvents, () => this.sharedEvents)))
      this.coreRoutes.set(route, handler);
    this.coreRoutes.set('GET /admin/api/status', async () => ({
      status: 200,
      body: {
        inflight: this.plane.inflight,
        config_loaded_at: new Date(this.snap.loadedAt).toISOString(),
        routes: this.snap.router.routes.map((r) => r.name),
        checks: Object.values(this.snap.phases)
          .flat()
          .map((c) => ({ name: c.name, phase: c.phase, mode: c.mode })),
        reloads: (({ lastError, ...rest }) => ({
          ...rest,
          last_error: lastError instanceof Error ? lastError.message : null,
        }))(this.reloader.stats),
      },
    }));
    this.reloader = new ConfigReloader<Snapshot>({
      load: async () => {
        const loaded = await loadConfigFile(opts.configFile, opts.env ?? process.env);
        const held = holdRestartOnly(RESTART_ONLY, this.snap.config, loaded);
        const snap = this.build(held.config);
        this.held.set(snap, held.changed);
        return snap;
      },
      apply: (next) => this.swap(next),
      onSuccess: (next) => {
        this.metrics.reloads.labels('success').inc();
        const waiting = this.held.get(next) ?? [];
        if (waiting.length === 0) {
          this.log.info({ file: opts.configFile }, 'configuration reloaded');
          return;
        }
        for (const k of waiting) this.metrics.restartRequired.labels(k.key).inc();
        const keys = waiting.map((k) => k.key);
        this.log.warn(
          { file: opts.configFile, restart_required: keys },
          `restart required: ${keys.join(', ')} changed and keep their running values until a restart; the rest of the configuration was reloaded`,
        );
      },
      onFailure: (error) => {
        this.metrics.reloads.labels('failure').inc();
        if (this.snap !== undefined) this.releaseUnnamed(this.snap.config);
        this.log.error(
          { file: opts.configFile, problems: String((error as Error).message ?? error) },
          'configuration refused; the previous one stays in service',
        );
      },
    });
  }

  private build(config: GatewayConfig): Snapshot {
    const key = poolKey(config.upstream);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = createPool(config.upstream);
      this.pools.set(key, pool);
    }
    const clock = this.opts.clock ?? systemClock;
    // The same build as `portcullis check` (runtime/snapshot.ts), which only leaves out the network.
    const { value, keys } = this.resources.record(() =>
      buildConfiguration(config, {
        store: this.store,
        clock,
        log: this.log,
        resources: this.resources,
        services: this.services,
        metrics: this.metrics,
        watch: (path) => this.watchFile(path),
        pool,
        checks: this.opts.checks ?? CHECKS,
        coreRoutes: this.coreRoutes,
      }),
    );
    this.named.set(value.snap, keys);
    this.blocksPlans.set(value.snap, value.blocks);
    return value.snap;
  }

  /**
   * A file the configuration is built from (rule files, API-key files) reloads the configuration when it
   * changes, like gateway.yaml. A resource named by the build, so a file no configuration names any more
   * stops being watched after the swap.
   */
  private watchFile(path: string): void {
    if (this.opts.watch === false) return;
    const abs = resolve(path);
    this.resources.get(
      `watch:${abs}`,
      () =>
        new WatchedFile(abs, () => void this.reload(), {
          onError: (err) => this.log.warn({ err, file: abs }, 'file watcher failed'),
        }),
    );
  }

  /** What a configuration says about services and the listener that can change while running. */
  private applyLive(snap: Snapshot): void {
    this.tokenCheck = buildTokenCheck(snap.config.admin.tokens);
    this.metrics.configTimestamp.set(snap.loadedAt / 1000);
    seedConfigSeries(this.metrics, {
      routes: snap.router.routes.map((r) => r.name),
      checks: [...new Set(Object.values(snap.phases).flatMap((list) => list.map((c) => c.name)))],
      refusals: snap.config.decisions.mode === 'off' ? [] : BLOCK_REFUSALS,
    });
    const s = snap.config.server;
    // Node reads these per connection check and per response; the check interval itself stays as started.
    this.server.headersTimeout = s.headers_timeout_ms;
    this.server.requestTimeout = s.headers_timeout_ms + s.body_timeout_ms;
    this.server.keepAliveTimeout = s.keep_alive_timeout_ms;
    const plan = this.blocksPlans.get(snap) ?? null;
    if (plan === null) {
      this.services.blocks.stop();
    } else {
      this.services.blocks.settings = plan.settings;
      void this.services.blocks.start(plan.resyncMs);
    }
  }

  /**
   * Resources the snapshot in service does not name are closed once the previous snapshot's requests had
   * their time (the longest a request may live under it); also after a refused build, which may have
   * opened some.
   */
  private releaseUnnamed(prev: GatewayConfig): void {
    const s = prev.server;
    const upstream = Math.max(prev.upstream.timeout_ms, ...prev.routes.map((r) => r.response_timeout_ms ?? 0));
    this.resources.release(this.named.get(this.snap) ?? new Set(), s.headers_timeout_ms + s.body_timeout_ms + upstream);
  }

  private swap(next: Snapshot): void {
    const prev = this.snap;
    this.snap = next;
    this.applyLive(next);
    this.releaseUnnamed(prev.config);
    if (prev.pool !== next.pool) {
      for (const [k, p] of this.pools) {
        if (p === prev.pool) {
          this.pools.delete(k);
          this.retiring.add(p);
          // graceful: requests in flight on the old pool finish
          void p.close().finally(() => this.retiring.delete(p));
        }
      }
    }
  }

  async listen(): Promise<void> {
    // A shared store gets a bounded moment to connect, so checks that load shared state (decisions) read
    // the shared truth at build time; past it the store's failure policy applies and it catches up later.
    await this.builtStore.ready(STORE_CONNECT_WAIT_MS);
    this.snap = this.build(this.initial);
    this.applyLive(this.snap);
    const c = this.snap.config;
    await listenOn(this.server, 'server.listen', c.server.listen);
    await listenOn(this.admin, 'admin.listen', c.admin.listen);
    if (this.opts.probeUpstream !== false) this.probeInBackground();
    if (this.opts.watch !== false) {
      this.watcher = new WatchedFile(this.opts.configFile, () => void this.reload(), {
        onError: (err) => this.log.warn({ err }, 'config watcher failed'),
      });
    }
  }

  /**
   * Probes the upstream now and then every upstream.health_interval_ms (read from the configuration in
   * service at each round), one probe at a time, each bounded by the probe's own timeout; stops at close().
   */
  private probeInBackground(): void {
    const round = () => {
      void this.upstreamHealth.check().finally(() => {
        if (this.closing !== null) return;
        this.probeTimer = setTimeout(round, this.snap.config.upstream.health_interval_ms);
        this.probeTimer.unref();
      });
    };
    round();
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  get adminPort(): number {
    return (this.admin.address() as AddressInfo).port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPort}`;
  }
  get snapshot(): Snapshot {
    return this.snap;
  }
  /** The snapshot in service, undefined before listen() built the first one (or when it failed to). */
  private get current(): Snapshot | undefined {
    return this.snap as Snapshot | undefined;
  }
  get inflight(): number {
    return this.plane.inflight;
  }

  reload(): Promise<ReloadOutcome<Snapshot>> {
    return this.reloader.reload();
  }

  /**
   * Opens the log files again by their paths (security events, admin audit): after logrotate renamed them,
   * writes go to the new files instead of following the renamed ones. The CLI calls it on SIGHUP.
   */
  reopenLogs(): void {
    for (const [what, reopen] of [
      ['events', () => this.events.reopen()],
      ['audit', () => this.services.blocks.settings.audit?.reopen?.()],
      ['access', () => reopenAccessLogs()],
    ] as const) {
      try {
        reopen();
      } catch (err) {
        this.log.error({ err, log: what }, 'reopening a log file failed; it keeps the old one');
      }
    }
  }

  /**
   * Graceful stop, bounded, in the order a load balancer can follow: /readyz says not ready at once; after
   * server.drain_notice_ms new connections are refused; requests in flight finish until the drain time (from
   * the configuration in service, counted from the call); those not answered by then get a 503 JSON
   * (gateway:draining), not an empty reply. Then pools and resources close within what is left of it (at
   * least CLOSE_FLOOR_MS). What has not closed by then is destroyed: a pool waits for its requests in flight,
   * which a wedged upstream never ends, and a store's polite close waits for a Redis that may be gone.
   * SIGTERM must exit either way.
   */
  close(drainMs = this.current?.config.server.drain_timeout_ms ?? this.initial.server.drain_timeout_ms): Promise<void> {
    this.closing ??= (async () => {
      const deadline = Date.now() + drainMs;
      const left = () => Math.max(deadline - Date.now(), CLOSE_FLOOR_MS);
      this.watcher?.close();
      if (this.probeTimer !== null) clearTimeout(this.probeTimer);
      this.draining = true;
      this.plane.draining = true; // answers from now on close their connection
      const notice = Math.min(this.current?.config.server.drain_notice_ms ?? 0, drainMs);
      if (notice > 0) await new Promise((r) => setTimeout(r, notice));
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      if (!(await within(this.plane.idle(), Math.max(deadline - Date.now(), 0)))) {
        // the drain time is over: what has no answer yet gets its 503 before the connections are cut
        for (const socket of this.sockets) this.plane.refuseForDrain(socket);
        await within(this.plane.idle(), CLOSE_FLOOR_MS);
      }
      this.server.closeAllConnections();
      await stopped;
      await new Promise<void>((resolve) => {
        this.admin.close(() => resolve());
        this.admin.closeAllConnections();
      });
      const pools = [...this.pools.values(), ...this.retiring];
      if (!(await within(Promise.all(pools.map((p) => p.close())), left()))) {
        await Promise.all(pools.map((p) => (p.destroyed ? undefined : p.destroy().catch(() => undefined))));
      }
      // the last batch of shared events goes before the store closes (bounded: a dead store is not waited for)
      if (this.sharedEvents !== null) await within(this.sharedEvents.flush(), Math.min(left(), 1_000));
      this.sharedEvents?.close();
      await this.resources.closeAll(left());
      this.events.flush();
    })();
    return this.closing;
  }
}

/** Loads the config (throws ConfigError with every problem), builds everything and listens. */
export async function startGateway(opts: StartOptions): Promise<Gateway> {
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(opts.configFile, opts.env ?? process.env);
  } catch (err) {
    // The build's problems join the file's, exactly as `portcullis check` lists them (runtime/check.ts).
    throw await withBuildProblems(err, opts.checks ?? CHECKS);
  }
  const gw = new Gateway(opts, config);
  try {
    await gw.listen();
  } catch (err) {
    await gw.close(0);
    throw err;
  }
  return gw;
}

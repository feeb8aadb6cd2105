// Redis Store (ioredis; standalone, Sentinel or Cluster): one EVALSHA per script run, pub/sub change signal.
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { classifyRedisError, StoreError } from './errors.js';
import { createRedisClient, whenReady, type RedisClient, type RedisConnectionOptions } from './redis-client.js';
import type { Reply, ScriptOps, Store, StoreEntry, StoreScript } from './store.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Prepended to every key and to the change channel: several gateways or tenants can share one Redis. */
  readonly prefix: string;
  readonly clock?: Clock;
  /** Hears every connection state change (for metrics and logs); must not throw. */
  readonly onConnection?: (up: boolean, detail: string) => void;
}

/** The store's own scripts: a write and its change signal in one round trip. */
const SET_LUA = `
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;
const DEL_LUA = `
local n = redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return n`;

const shaCache = new Map<string, string>();
function sha1(lua: string): string {
  let sha = shaCache.get(lua);
  if (sha === undefined) {
    sha = createHash('sha1').update(lua).digest('hex');
    shaCache.set(lua, sha);
  }
  return sha;
}

/** Redis Cluster hash tag: the part between the first '{' and the next '}', when not empty. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** SCAN MATCH is a glob: the prefix's own glob characters must match literally. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const CHANGE = 'change';

/** The ScriptOps of a read-only script: the fetched values by key; anything else is the script's fault. */
function readOnlyOps(name: string, keys: readonly string[], values: readonly (string | null)[]): ScriptOps {
  const refuse = (op: string): never => {
    throw new StoreError('script', `script ${name} is declared read-only but called ${op}`);
  };
  return {
    get(key: string): string | null {
      const i = keys.indexOf(key);
      return i === -1 ? refuse(`get of a key it was not given`) : (values[i] ?? null);
    },
    set: () => refuse('set'),
    del: () => refuse('del'),
    pttl: () => refuse('pttl'),
  };
}
/** How long close() waits for QUIT's answer before cutting the connection. */
const QUIT_WAIT_MS = 1_000;

export class RedisStore implements Store {
  readonly kind: 'redis' | 'redis-cluster' | 'redis-sentinel';
  readonly clock: Clock;
  private readonly client: RedisClient;
  private subscriber: RedisClient | null = null;
  private readonly prefix: string;
  private readonly channel: string;
  /** Tags this instance's change messages so it does not hear its own writes twice. */
  private readonly origin = randomUUID();
  private readonly emitter = new EventEmitter();
  private readonly options: RedisStoreOptions;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    if (/[{}]/.test(options.prefix)) {
      throw new StoreError('script', 'redis key prefix must not contain { or }: it would change hash slots');
    }
    this.options = options;
    this.kind = options.mode === 'cluster' ? 'redis-cluster' : options.mode === 'sentinel' ? 'redis-sentinel' : 'redis';
    this.clock = options.clock ?? systemClock;
    this.prefix = options.prefix;
    this.channel = `${options.prefix}__changes`;
    this.emitter.setMaxListeners(0);
    this.client = createRedisClient(options, true);
    const report = options.onConnection ?? (() => undefined);
    this.client.on('ready', () => report(true, 'ready'));
    this.client.on('close', () => report(false, 'connection closed'));
    // ioredis prints unhandled 'error' events; errors are counted where calls fail instead.
    this.client.on('error', () => undefined);
    this.client.on('node error', () => undefined);
  }

  /** Resolves true once connected, false after timeoutMs (the client keeps reconnecting in the background). */
  ready(timeoutMs: number): Promise<boolean> {
    return whenReady(this.client, timeoutMs);
  }

  /** True while the command connection is usable. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  async run<R>(script: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): Promise<R> {
    const full = keys.map((k) => this.prefix + k);
    if (this.kind === 'redis-cluster' && full.length > 1) {
      const tag = hashTag(full[0]!);
      if (full.some((k) => hashTag(k) !== tag)) {
        throw new StoreError('cross_slot', `script ${script.name}: keys must share one hash tag on a Cluster`);
      }
    }
    if (script.reads === true) return this.runReads(script, full, args);
    const reply = await this.evalScript(script.lua, script.name, full, [this.clock.now(), ...args]);
    return script.decode(reply);
  }

  /** A read-only script: its keys in one MGET, its body run here on what came back (see StoreScript.reads). */
  private async runReads<R>(
    script: StoreScript<R>,
    full: readonly string[],
    args: readonly (string | number)[],
  ): Promise<R> {
    this.assertOpen();
    let values: (string | null)[];
    try {
      values = await this.client.mget(...full);
    } catch (err) {
      throw classifyRedisError(err, `script ${script.name}`);
    }
    return script.decode(script.local(readOnlyOps(script.name, full, values), full, this.clock.now(), args));
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    try {
      return await this.client.get(this.prefix + key);
    } catch (err) {
      throw classifyRedisError(err, 'GET');
    }
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ttl = ttlMs !== undefined && ttlMs > 0 ? Math.ceil(ttlMs) : 0;
    await this.evalScript(SET_LUA, 'set', [this.prefix + key], [value, ttl, this.channel, this.message(key)]);
    this.emitter.emit(CHANGE, key);
  }

  async delete(key: string): Promise<boolean> {
    const n = await this.evalScript(DEL_LUA, 'delete', [this.prefix + key], [this.channel, this.message(key)]);
    this.emitter.emit(CHANGE, key);
    return n === 1;
  }

  async list(prefix: string): Promise<StoreEntry[]> {
    this.assertOpen();
    const pattern = `${globEscape(this.prefix + prefix)}*`;
    const nodes: Redis[] =
      this.kind === 'redis-cluster' ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    const out: StoreEntry[] = [];
    try {
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length === 0) continue;
          // Keys found on a node live on that node: plain GETs to it need no slot routing.
          const values = await node.pipeline(keys.map((k) => ['get', k])).exec();
          keys.forEach((k, i) => {
            const v = values?.[i]?.[1];
            if (typeof v === 'string') out.push({ key: k.slice(this.prefix.length), value: v });
          });
        } while (cursor !== '0');
      }
    } catch (err) {
      throw classifyRedisError(err, 'SCAN');
    }
    return out;
  }

  onChange(listener: (key: string) => void): () => void {
    this.ensureSubscriber();
    this.emitter.on(CHANGE, listener);
    return () => {
      this.emitter.off(CHANGE, listener);
    };
  }

  /**
   * QUIT lets replies in flight arrive; it is sent only over a connection that is up, and waited for at most
   * QUIT_WAIT_MS. ioredis queues QUIT while it reconnects to a Redis that is down, so quit() alone would
   * never resolve and shutdown would hang: past that, or without a connection, the sockets are cut.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emitter.removeAllListeners();
    const quit = async (c: RedisClient | null) => {
      if (c === null) return;
      if (c.status !== 'ready') {
        c.disconnect();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const quitted = await Promise.race([
        c.quit().then(
          () => true,
          () => false,
        ),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), QUIT_WAIT_MS))),
      ]);
      clearTimeout(timer);
      if (!quitted) c.disconnect();
    };
    await Promise.all([quit(this.client), quit(this.subscriber)]);
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed server, a new Cluster node) EVAL, which also caches it. */
  private async evalScript(
    lua: string,
    name: string,
    keys: readonly string[],
    argv: readonly (string | number)[],
  ): Promise<Reply> {
    this.assertOpen();
    try {
      return (await this.client.evalsha(sha1(lua), keys.length, ...keys, ...argv)) as Reply;
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT')))
        throw classifyRedisError(err, `script ${name}`);
    }
    try {
      return (await this.client.eval(lua, keys.length, ...keys, ...argv)) as Reply;
    } catch (err) {
      throw classifyRedisError(err, `script ${name}`);
    }
  }

  private message(key: string): string {
    return `${this.origin} ${key}`;
  }

  /** One subscriber connection per store, made on the first listener; ioredis resubscribes on reconnect. */
  private ensureSubscriber(): void {
    if (this.subscriber !== null || this.closed) return;
    const sub = createRedisClient(this.options, false);
    sub.on('error', () => undefined);
    sub.on('node error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const space = message.indexOf(' ');
      if (space === -1 || message.slice(0, space) === this.origin) return;
      this.emitter.emit(CHANGE, message.slice(space + 1));
    });
    void sub.subscribe(this.channel).catch(() => undefined);
    this.subscriber = sub;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('closed', 'redis store is closed');
  }
}

// gateway.yaml `store:` section: memory (default) or Redis (standalone, Sentinel, Cluster) with its failure policy.
import { z } from 'zod';
import { MAX_STORE_KEYS, timeoutMs } from '../config/limits.js';

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'expected host:port (e.g. 10.0.0.5:6379)');

export const redisStoreSchema = z
  .strictObject({
    /** standalone: one server at `url`; sentinel: `nodes` are sentinels; cluster: `nodes` are seed nodes. */
    mode: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'expected redis://host:port[/db] or rediss://...')
      .default('redis://127.0.0.1:6379'),
    nodes: z.array(hostPort).default([]),
    /** Sentinel: the monitored master's name. */
    sentinel_name: z.string().min(1).default('mymaster'),
    username: z.string().optional(),
    /** Prefer ${REDIS_PASSWORD}; the value is never logged. */
    password: z.string().optional(),
    tls: z.boolean().default(false),
    /** Before every key and the change channel, so several deployments can share one Redis. No { or }. */
    key_prefix: z
      .string()
      .regex(/^[^{}\s]*$/, 'key_prefix must not contain braces (they would change Cluster hash slots) or spaces')
      .default('portcullis:'),
    /** Per-call timeout: a slower answer counts as Redis being unavailable. */
    timeout_ms: timeoutMs().default(250),
    connect_timeout_ms: timeoutMs().default(2_000),
    /** Redis unavailable: fail-open (local in-memory limits take over) or fail-closed (503). */
    on_failure: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
    /** While Redis is down, how often a request probes it again (reconnects are noticed at once too). */
    retry_ms: timeoutMs().default(1_000),
  })
  .superRefine((v, ctx) => {
    if ((v.mode === 'cluster' || v.mode === 'sentinel') && v.nodes.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodes'],
        message: `mode ${v.mode} needs at least one host:port in nodes`,
      });
    }
  });

export type RedisStoreConfig = z.infer<typeof redisStoreSchema>;

export const storeSchema = z
  .strictObject({
    /** memory: this instance only; redis: shared by every instance pointing at the same Redis. */
    type: z.enum(['memory', 'redis']).default('memory'),
    /** Also bounds the fail-open fallback store when type is redis. */
    memory: z.strictObject({ max_keys: z.number().int().positive().max(MAX_STORE_KEYS).default(100_000) }).prefault({}),
    redis: redisStoreSchema.prefault({}),
  })
  .prefault({});

export type StoreConfig = z.infer<typeof storeSchema>;

/** "host:port" or "[v6]:port" to an endpoint. */
export function parseHostPort(s: string): { host: string; port: number } {
  const colon = s.lastIndexOf(':');
  const host = s.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host, port: Number(s.slice(colon + 1)) };
}

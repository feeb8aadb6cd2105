// The upstream connection pool (undici, keep-alive) and the cached upstream health probe for /readyz.
import { Pool } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import type { Readiness } from '../http/admin.js';

export function createPool(u: GatewayConfig['upstream']): Pool {
  return new Pool(u.url, {
    connections: u.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: u.timeout_ms,
    bodyTimeout: u.timeout_ms,
    connect: { timeout: Math.min(u.timeout_ms, 10_000) },
  });
}

export function poolKey(u: GatewayConfig['upstream']): string {
  return `${u.url}|${u.connections}|${u.timeout_ms}`;
}

/** Probes the upstream's health path at most once per cache period; concurrent callers share one probe. */
export function upstreamReadiness(
  current: () => { pool: Pool; upstream: GatewayConfig['upstream'] },
  onResult: (up: boolean) => void,
): Readiness {
  let at = 0;
  let last: { state: 'ok' | 'down'; detail?: string } = { state: 'down', detail: 'not probed yet' };
  let pending: Promise<typeof last> | null = null;
  const probe = async (): Promise<typeof last> => {
    const { pool, upstream } = current();
    try {
      const r = await pool.request({
        path: upstream.health_path,
        method: 'GET',
        headersTimeout: Math.min(upstream.timeout_ms, 5_000),
        bodyTimeout: 5_000,
        // headersTimeout starts once the probe is sent: a probe queued behind busy connections needs its own
        // deadline, or /readyz hangs exactly when the pool is in trouble
        signal: AbortSignal.timeout(Math.min(upstream.timeout_ms, 5_000)),
      });
      await r.body.dump();
      return r.statusCode >= 200 && r.statusCode < 300
        ? { state: 'ok' }
        : { state: 'down', detail: `status ${r.statusCode}` };
    } catch (err) {
      return { state: 'down', detail: (err as { code?: string }).code ?? 'unreachable' };
    }
  };
  return {
    name: 'upstream',
    async check() {
      const { upstream } = current();
      if (Date.now() - at < upstream.health_cache_ms) return last;
      pending ??= probe().then((r) => {
        last = r;
        at = Date.now();
        pending = null;
        onResult(r.state === 'ok');
        return r;
      });
      return pending;
    },
  };
}

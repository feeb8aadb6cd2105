// One POST to a checked destination over a connection to the address that was checked, never a second DNS
// answer (DNS rebinding). undici, not node:http: it is the gateway's HTTP client already, takes an AbortSignal
// per request, follows no redirects unless asked, and its connector passes `lookup` to net/tls.connect, so
// the pinned address serves plain and TLS connections alike while Host and the TLS servername (SNI and the
// certificate check) stay the URL's host name.
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { Destination } from './destination.js';

export type PostResult =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly retryAfter: string | null;
    }
  | { readonly kind: 'error'; readonly detail: string };

/** A lookup that answers every name with the one checked address, in the form the caller asks for. */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_host, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

const one = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));

/** Keeps one keep-alive agent per pinned address: a sink talks to one host, whose address rarely changes. */
export class PinnedClient {
  private agent: Agent | null = null;
  private pinned = '';

  constructor(private readonly connectTimeoutMs: number) {}

  private agentFor(dest: Destination): Agent {
    if (this.agent !== null && this.pinned === dest.address) return this.agent;
    // the old agent's idle connection goes to the old address: close it rather than reuse it
    if (this.agent !== null) this.agent.close().catch(() => undefined);
    this.pinned = dest.address;
    this.agent = new Agent({
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: { timeout: this.connectTimeoutMs, lookup: pinnedLookup(dest.address, dest.family) },
    });
    return this.agent;
  }

  /** Network failures, aborts and timeouts are answers too: `error` with a short cause. */
  async post(
    dest: Destination,
    headers: Readonly<Record<string, string>>,
    body: string,
    signal: AbortSignal,
  ): Promise<PostResult> {
    try {
      const r = await request(dest.url, { method: 'POST', headers, body, signal, dispatcher: this.agentFor(dest) });
      // the answer's body means nothing to us; read a little so the connection can be reused, else drop it
      await r.body.dump({ limit: 16_384, signal });
      return { kind: 'answer', status: r.statusCode, retryAfter: one(r.headers['retry-after']) };
    } catch (err) {
      if (signal.aborted) return { kind: 'error', detail: 'timeout' };
      const e = err as { code?: string; message?: string };
      return { kind: 'error', detail: e.code ?? e.message ?? 'request failed' };
    }
  }

  async close(): Promise<void> {
    const a = this.agent;
    this.agent = null;
    if (a !== null) await a.destroy();
  }
}

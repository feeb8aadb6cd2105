// End-to-end compile suites' harness: a tap that records what the compile service answered the gateway, the
// gateway's configuration for them, and a map with a concurrency cap (the service refuses beyond its own cap).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** What the compile service answered one request that came through the gateway. */
export interface Tapped {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface Tap {
  readonly url: string;
  /** By the request's `tikz_code` (each test sends each code once). */
  readonly answers: ReadonlyMap<string, Tapped>;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * A pass-through between the gateway and the service: forwards each request unchanged and its answer unchanged,
 * keeping a copy of the answer. It lets a test compare what the client got with what the service sent, without
 * compiling twice.
 */
export async function startTap(target: string): Promise<Tap> {
  const answers = new Map<string, Tapped>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const reqBody = Buffer.concat(parts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !HOP.has(k)) headers[k] = v;
      }
      headers['content-length'] = String(reqBody.length);
      const up = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers, agent }, (ans) => {
        const got: Buffer[] = [];
        ans.on('data', (c: Buffer) => got.push(c));
        ans.on('end', () => {
          const body = Buffer.concat(got);
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(ans.headers)) {
            if (typeof v === 'string' && !HOP.has(k)) out[k] = v;
          }
          try {
            const code = (JSON.parse(reqBody.toString('utf8')) as { tikz_code?: unknown }).tikz_code;
            if (typeof code === 'string') answers.set(code, { status: ans.statusCode ?? 0, headers: out, body });
          } catch {
            // not a compile request: passed on, not kept
          }
          res.writeHead(ans.statusCode ?? 502, { ...out, 'content-length': body.length });
          res.end(body);
        });
        ans.on('error', () => res.destroy());
      });
      up.on('error', () => res.destroy());
      up.end(reqBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

export interface GatewayOptions {
  /** Input signatures: enforce (the shipped rules) or off (so that attacks reach TeX). */
  readonly signatures: 'enforce' | 'off';
  /** What SVG inspection (mode enforce) does with an answer it does not allow. */
  readonly action: 'refuse' | 'strip';
  /** Strings whose presence in an answer refuses it. */
  readonly canaries?: readonly string[];
}

/**
 * The gateway in front of the tap: one inspected compile route that trusts the service's outcome headers, SVG
 * inspection enforcing, rate limits off (the suites send more compiles than an anonymous client may).
 */
export function gatewayYaml(upstreamUrl: string, o: GatewayOptions): string {
  const canaries =
    o.canaries === undefined || o.canaries.length === 0
      ? ''
      : `    canaries:\n      strings: [${o.canaries.map((s) => JSON.stringify(s)).join(', ')}]\n`;
  const signatures =
    o.signatures === 'off'
      ? '    mode: off\n'
      : `    mode: enforce\n    rules_dir: ${JSON.stringify(join(REPO, 'rules'))}\n`;
  return `server:
  listen: { host: 127.0.0.1, port: 0 }
upstream:
  url: ${upstreamUrl}
  timeout_ms: 120000
admin:
  listen: { host: 127.0.0.1, port: 0 }
logging:
  level: silent
refusals:
  disclose: codes
rate_limits:
  mode: off
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 262144
    content_types: [application/json]
    code_fields: [tikz_code]
    max_code_field_bytes: 102400
    compile:
      outcome_headers: trust
    svg:
      mode: enforce
      action: ${o.action}
${canaries}checks:
  signatures:
${signatures}`;
}

/** Runs fn over items with at most `limit` at once; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One POST of `{"tikz_code": code}`, the whole answer read. */
export async function post(
  url: string,
  code: string,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const res = await fetch(`${url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tikz_code: code }),
  });
  const body = Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, headers, body };
}

// `portcullis explain --request FILE|-`: one whole request (method, path with query, headers, body) taken
// through the gateway's own steps — path canonicalisation, route match, body precheck and decoding, the
// signatures, cost and CRS checks through the pipeline runner, the decide phase — printing what a security event of the
// same request would report (decision, status, score, reasons) and every match. Local tool: it shows text.
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { loadConfigFile } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { RequestContext } from '../core/context.js';
import { GatewayError } from '../core/errors.js';
import { runPhase } from '../core/pipeline.js';
import type { ContentMatch, Refusal } from '../core/verdict.js';
import { bodyLimits } from '../body/limits.js';
import { canonicalise } from '../http/path.js';
import { decodeInto, precheckBody } from '../http/body-phase.js';
import { buildRouter } from '../http/router.js';
import { buildSignaturesCheck } from '../checks/signatures.js';
import { buildCrsCheck } from '../checks/crs.js';
import { buildCostCheck } from '../checks/cost.js';
import type { CostEstimate } from '../core/cost.js';
import { buildTrustCheck } from '../checks/trust.js';
import { systemClock } from '../core/clock.js';
import type { Check } from '../core/check.js';
import { Resources } from '../core/resources.js';
import { MemoryStore } from '../store/memory.js';
import { createLogger } from '../telemetry/logger.js';
import { explainLines, trustField, type TrustEventField } from '../trust/explain.js';
import { readAll } from './stdin.js';
import { compilePolicyLines } from './explain-compile.js';

export interface Writer {
  out(s: string): void;
  err(s: string): void;
}

export interface ExplainRequestArgs {
  readonly configFile: string;
  /** A file name, or '-' for `stdin`. */
  readonly request: string;
  /** Overrides the request's own "tier". */
  readonly tier?: string;
  readonly stdin: Readable;
}

const MAX_INPUT = 16 * 1024 * 1024;

const requestSchema = z
  .strictObject({
    method: z
      .string()
      .regex(/^[A-Z]{1,16}$/, 'an upper-case method')
      .default('POST'),
    /** As sent on the request line: path and query (`/compile?x=1`). */
    path: z.string().startsWith('/').default('/compile'),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
    /** The raw body text. */
    body: z.string().optional(),
    /** A JSON body, serialised as the gateway would receive it. */
    json: z.unknown().optional(),
    /** A form body (application/x-www-form-urlencoded) from an object of strings. */
    form: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    tier: z.string().min(1).default('anonymous'),
    user: z.string().nullable().default(null),
    /** The client address (the trust score's network and geography read it). */
    client_ip: z.string().optional(),
    /** As the reputation lists would mark the client: '' (none), allow, bypass. */
    listed: z.enum(['', 'allow', 'bypass']).optional(),
  })
  .refine((r) => [r.body, r.json, r.form].filter((b) => b !== undefined).length <= 1, {
    message: 'give one of "body", "json" or "form"',
  });

export type ExplainedRequest = z.infer<typeof requestSchema>;

/** What the security event of this request would say (src/telemetry/events.ts eventFor). */
export interface RequestVerdict {
  readonly decision: 'allow' | 'deny' | 'challenge' | 'limit' | 'refuse' | 'error';
  readonly status: number;
  readonly module: string;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly route: string;
  readonly matches: readonly ContentMatch[];
  readonly monitor: readonly string[];
  /** The compile-cost estimate (checks.cost), null when not estimated. */
  readonly cost: CostEstimate | null;
  /** The trust score's breakdown, when trust is on (computed with no history: a fresh memory store). */
  readonly trust: TrustEventField | null;
}

function bodyOf(r: ExplainedRequest, headers: IncomingHttpHeaders): Buffer | null {
  if (r.body !== undefined) return Buffer.from(r.body, 'utf8');
  if (r.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    return Buffer.from(JSON.stringify(r.json), 'utf8');
  }
  if (r.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(r.form)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
    return Buffer.from(p.toString(), 'utf8');
  }
  return null;
}

/** Node's view of request headers: lower-case names; set-cookie a list, every other repeat joined. */
function headersOf(h: ExplainedRequest['headers']): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, v] of Object.entries(h)) {
    const k = name.toLowerCase();
    if (k === 'set-cookie') out[k] = Array.isArray(v) ? v : [v];
    else out[k] = Array.isArray(v) ? v.join(k === 'cookie' ? '; ' : ', ') : v;
  }
  return out;
}

/**
 * The body-phase checks explain runs, in the registry's order: the TeX and web signatures, the cost estimate,
 * CRS, and the trust score — with a fresh memory store: no history, no known devices (what a first request
 * would meet).
 */
export function contentChecks(config: GatewayConfig): readonly Check[] {
  const trust = buildTrustCheck(config, {
    store: new MemoryStore({ maxKeys: 1000, clock: systemClock }),
    clock: systemClock,
    log: createLogger('silent'),
    resources: new Resources(),
  });
  return [buildSignaturesCheck(config), buildCostCheck(config), buildCrsCheck(config), trust].filter(
    (c): c is Check => c !== null,
  );
}

/**
 * Runs the request through the gateway's steps (see the file comment); no network, no store. `checks`: built
 * once by the caller when it explains many requests (building CRS reads its whole release).
 */
export function explainRequest(
  config: GatewayConfig,
  r: ExplainedRequest,
  checks: readonly Check[] = contentChecks(config),
): RequestVerdict {
  const headers = headersOf(r.headers);
  const body = bodyOf(r, headers);
  if (body !== null && body.length > 0) headers['content-length'] = String(body.length);
  const ctx = new RequestContext(r.method, headers, 0);
  ctx.identity = { user: r.user, tier: r.tier, method: r.user === null ? 'anonymous' : 'api_key' };
  ctx.clientIp = r.client_ip ?? '127.0.0.1';
  ctx.peerIp = ctx.clientIp;
  ctx.listed = r.listed ?? '';
  const trustOf = () => (ctx.trust === null ? null : trustField(ctx.trust));
  const refused = (ref: Refusal): RequestVerdict => ({
    decision: ref.decision,
    status: ref.status,
    module: ref.module,
    score: ctx.score,
    reasons: ref.reasons,
    route: ctx.route?.name ?? '_unmatched',
    matches: ctx.matches,
    monitor: ctx.monitorHits,
    cost: ctx.cost,
    trust: trustOf(),
  });
  const protocol = (module: string, status: number, code: string): RequestVerdict =>
    refused({ decision: 'refuse', status, module, reasons: [`${module}:${code}`] });

  const canon = canonicalise(r.path);
  if (!canon.ok) return protocol('request', 400, canon.code);
  ctx.path = canon.path;
  ctx.query = canon.query;
  const router = buildRouter(config.routes, {
    maxResponseBytes: config.upstream.max_response_bytes,
    responseTimeoutMs: config.upstream.timeout_ms,
    caseInsensitive: config.server.case_insensitive_routes,
    tiers: Object.keys(config.rate_limits.tiers),
  });
  ctx.route = router.match(ctx.method, ctx.path);
  if (ctx.route === null && config.unmatched.action === 'refuse')
    return protocol('route', config.unmatched.status, 'not_found');
  // The two body-phase steps read only headers and the request line of an IncomingMessage.
  const req = { headers, url: r.path } as unknown as IncomingMessage;
  const route = ctx.route;
  if (route !== null) {
    const pre = precheckBody(req, route);
    if (pre !== null) return refused(pre);
    if (route.inspect && body !== null && body.length > 0) {
      const routeConfig = config.routes.find((c) => c.name === route.name)!;
      const bad = decodeInto(req, ctx, body, bodyLimits(routeConfig));
      if (bad !== null) return refused(bad);
    }
  }
  if (checks.length !== 0 && ctx.listed !== 'bypass') {
    let fault: unknown = null;
    const stop = runPhase(ctx, checks, (_c, e) => (fault = e));
    if (stop instanceof Promise) throw new Error('a check answered asynchronously');
    if (fault !== null) throw fault;
    if (stop && ctx.refusal !== null) return refused(ctx.refusal);
  }
  const cfg = route?.config;
  if (ctx.score >= (cfg?.deny_score ?? Infinity))
    return refused({ decision: 'deny', status: 403, module: 'decide', reasons: ctx.reasons });
  if (ctx.score >= (cfg?.challenge_score ?? Infinity))
    return refused({ decision: 'challenge', status: 401, module: 'decide', reasons: ctx.reasons });
  return {
    decision: 'allow',
    status: 0,
    module: '',
    score: ctx.score,
    reasons: ctx.reasons,
    route: ctx.route?.name ?? '_unmatched',
    matches: ctx.matches,
    monitor: ctx.monitorHits,
    cost: ctx.cost,
    trust: trustOf(),
  };
}

export function formatRequestVerdict(r: ExplainedRequest, v: RequestVerdict): string {
  const lines = [`request: ${r.method} ${r.path}  route ${v.route}, tier ${r.tier}`];
  lines.push(v.matches.length === 0 ? 'matches: none' : 'matches:');
  for (const m of v.matches) {
    lines.push(
      `  ${(m.severity ?? '').padEnd(8)} ${m.rule}  +${m.score}  ${m.target}${m.field ? `:${m.field}` : ''} @${m.offset}`,
    );
  }
  if (v.monitor.length > 0) lines.push(`monitor hits: ${v.monitor.join(' ')}`);
  if (v.cost !== null) {
    const terms = v.cost.breakdown.map((t) => `${t.construct} x${t.factor} (${t.field})`).join(', ');
    lines.push(`cost: ${v.cost.units} units, ~${v.cost.seconds} s, lane ${v.cost.lane}${terms ? `: ${terms}` : ''}`);
  }
  const verdict =
    v.decision === 'allow' ? 'allow' : `${v.decision.toUpperCase()} (${v.status}) by ${v.module || 'the gateway'}`;
  lines.push(
    `decision: ${verdict}, score ${v.score}${v.reasons.length > 0 ? `, reasons: ${v.reasons.join(' ')}` : ''}`,
  );
  if (v.trust !== null) lines.push(...explainLines(v.trust));
  // The fields a security event of this request carries, as JSON, for comparison with the event log.
  const event = { decision: v.decision, status: v.status, module: v.module, score: v.score, reasons: v.reasons };
  lines.push(`event: ${JSON.stringify(event)}`);
  return lines.join('\n');
}

/** Exit 0: allowed, 3: refused, 1: configuration error, 2: unreadable or malformed request. */
export async function explainRequestCommand(args: ExplainRequestArgs, w: Writer): Promise<number> {
  let text: string;
  try {
    text =
      args.request === '-'
        ? (await readAll(args.stdin, MAX_INPUT)).toString('utf8')
        : await readFile(args.request, 'utf8');
  } catch (e) {
    w.err(`explain: cannot read ${args.request === '-' ? 'stdin' : args.request}: ${(e as Error).message}`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    w.err(`explain: the request is not JSON: ${(e as Error).message}\n(see portcullis explain --help)`);
    return 2;
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    for (const i of parsed.error.issues) w.err(`explain: request.${i.path.join('.') || '(top)'}: ${i.message}`);
    return 2;
  }
  const request = args.tier === undefined ? parsed.data : { ...parsed.data, tier: args.tier };
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(args.configFile);
  } catch (e) {
    if (e instanceof GatewayError) {
      w.err(e.message);
      return 1;
    }
    throw e;
  }
  const v = explainRequest(config, request);
  w.out(formatRequestVerdict(request, v));
  if (v.decision === 'allow') for (const line of compilePolicyLines(config, v.route, request.tier)) w.out(line);
  return v.decision === 'allow' ? 0 : 3;
}

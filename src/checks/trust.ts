// The trust check (module `trust`, body phase, last): every component's term, the score 0..100 and its decision.
// Allow passes; challenge asks an anonymous client for credentials (401) and moves an identified one to the
// suspicious tier for a while; deny refuses (403). Monitor mode records what enforce would have done.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { TrustResult } from '../core/trust.js';
import { buildTokenCheck } from '../core/token-check.js';
import { BAD_PATH_ID, pathId } from '../core/admin-route.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { rateControl } from '../ratelimit/control.js';
import { buildTrustEngine } from '../trust/engine.js';
import { trustField, trustHeader } from '../trust/explain.js';
import { RecentTrust } from '../trust/recent.js';
import type { CheckDeps } from './deps.js';

const HEADER = 'portcullis-trust';

function challengeHeader(config: GatewayConfig): string {
  const id = config.identity;
  const schemes: string[] = [];
  if (id.jwt.enabled) schemes.push('Bearer realm="portcullis"');
  if (id.api_keys.keys.length !== 0 || id.api_keys.file !== undefined) schemes.push('ApiKey realm="portcullis"');
  return schemes.length === 0 ? 'Bearer realm="portcullis"' : schemes.join(', ');
}

export function buildTrustCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const engine = buildTrustEngine(config, deps);
  if (engine === null) return null;
  const c = config.trust;
  const enforce = engine.mode === 'enforce';
  const CHALLENGE: TerminalVerdict = Object.freeze({
    kind: 'challenge',
    status: 401,
    reasons: Object.freeze(['trust:challenge']),
    headers: Object.freeze({ 'www-authenticate': challengeHeader(config) }),
  });
  const DENY: TerminalVerdict = Object.freeze({ kind: 'deny', status: 403, reasons: Object.freeze(['trust:deny']) });
  // An identified client challenged goes on (its next requests meet the suspicious tier's limits).
  const TIGHTENED = Object.freeze({ kind: 'continue', score: 0, reasons: Object.freeze(['trust:challenge']) } as const);
  const control = rateControl(deps.resources, deps.store, deps.clock);
  const ttlMs = c.suspicious_ttl_s * 1000;
  const recent = deps.resources.get(`trust:recent:${c.recent}`, () => new RecentTrust(c.recent));
  const admin = buildTokenCheck(config.admin.tokens);
  const { clock, log } = deps;

  deps.admin?.('GET /admin/api/requests/*', async (_req, _body, url) => {
    const id = pathId(url);
    if (id === null) return BAD_PATH_ID;
    const e = recent.get(id);
    if (e === null) return { status: 404, body: { error: 'not_found', detail: 'no recent request with that id' } };
    return { status: 200, body: { ...e, time: new Date(e.time).toISOString(), trust: trustField(e.trust) } };
  });

  const act = (ctx: RequestContext, r: TrustResult): Verdict => {
    ctx.trust = r;
    if (recent.capacity !== 0)
      recent.put({
        id: ctx.id,
        time: clock.now(),
        method: ctx.method,
        route: ctx.route?.name ?? '_unmatched',
        client_ip: ctx.clientIp,
        user: ctx.identity.user,
        tier: ctx.identity.tier,
        trust: r,
      });
    // The breakdown goes back only to whoever presents the admin token (Proxy-Authorization is never forwarded).
    const show = admin !== null && admin(ctx.headers['proxy-authorization']);
    if (show) ctx.responseHeaders = { ...ctx.responseHeaders, [HEADER]: trustHeader(r) };
    if (r.decision === 'allow') return PASS;
    if (r.decision === 'deny') return show ? { ...DENY, headers: { [HEADER]: trustHeader(r) } } : DENY;
    if (ctx.identity.user === null) {
      return show ? { ...CHALLENGE, headers: { ...CHALLENGE.headers, [HEADER]: trustHeader(r) } } : CHALLENGE;
    }
    if (enforce) {
      control.tighten(ctx, ttlMs).catch((err: unknown) => {
        log.warn({ err, request_id: ctx.id }, 'trust: moving a client to the suspicious tier failed');
      });
    }
    return TIGHTENED;
  };

  return Object.freeze({
    name: 'trust',
    phase: 'body',
    mode: engine.mode,
    run(ctx: RequestContext): Verdict | Promise<Verdict> {
      const r = engine.evaluate(ctx);
      return r instanceof Promise ? r.then((x) => act(ctx, x)) : act(ctx, r);
    },
    onComplete(ctx: RequestContext): void {
      engine.record(ctx);
    },
  } satisfies Check);
}

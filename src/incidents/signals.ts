// What one finished request reports to incidents: at most one signal (kind and subject), read from its refusal.
import type { RequestContext } from '../core/context.js';
import type { IncidentKind } from './config.js';

export interface Signal {
  readonly kind: IncidentKind;
  /** `ip:<address>` for a client's offences, `service` for the compile service's failures. */
  readonly subject: string;
  readonly ip: string;
  readonly user: string | null;
  /** Why, for the incident's actions and the block's reason (a rule or reason code, never the payload). */
  readonly detail: string;
  /** The reporting request's id ('' for reports that are no request: automatic blocks). */
  readonly requestId: string;
}

/** Refusals of credentials that someone guessing would earn (not an expired token). */
const GUESSES: ReadonlySet<string> = new Set(['identity:invalid_api_key', 'identity:invalid_token']);

/** What refused (or, in monitor mode, would have refused) a request: the module, its reasons, its decision. */
interface Refused {
  readonly module: string;
  readonly reasons: readonly string[];
  readonly decision: string;
  readonly status: number;
}

/**
 * The refusal of a request, or in its place the first monitor hit's (a check in monitor mode would have
 * refused): incidents in monitor mode open where enforce mode would have, so an operator can compare.
 */
function refusedOf(ctx: RequestContext): Refused | null {
  const r = ctx.refusal;
  if (r !== null) return { module: r.module, reasons: r.reasons, decision: r.decision, status: ctx.status };
  const hit = ctx.monitorHits[0];
  if (hit === undefined) return null;
  const module = hit.slice(0, Math.max(0, hit.indexOf(':')));
  // a monitor hit carries no decision: trust's reason names it (trust:deny, trust:challenge), the rest refuse
  const decision = module === 'trust' ? hit.slice(6) : module === 'rate' ? 'limit' : 'deny';
  return { module, reasons: ctx.monitorHits, decision, status: module === 'rate' ? 429 : 403 };
}

/**
 * The signal of a finished request, or null (allowed, allow-listed, or a refusal that is no offence: a block
 * already in force, a malformed request, a route not found). Severity is not decided here: the rules count.
 */
export function signalOf(ctx: RequestContext): Signal | null {
  if (ctx.listed !== '' || ctx.clientIp === '') return null;
  const client = (kind: IncidentKind, detail: string): Signal => ({
    kind,
    subject: `ip:${ctx.clientIp}`,
    ip: ctx.clientIp,
    user: ctx.identity.user,
    detail,
    requestId: ctx.id,
  });
  const r = refusedOf(ctx);
  if (r === null) {
    // a compile the service gave up on (its time or memory limit): what a resource exhauster earns
    const outcome = ctx.compile?.outcome;
    return outcome === 'timeout' || outcome === 'memory' ? client('timeout', `compile:${outcome}`) : null;
  }
  const first = r.reasons[0] ?? r.module;
  switch (r.module) {
    case 'sig':
    case 'crs': {
      // confidence decides: one unmistakable rule (shell escape, reading secrets) is an attack on its own
      const attack = ctx.matches.find((m) => m.confidence === 'attack');
      if (attack !== undefined) return client('attack', attack.rule);
      return client('signature', first);
    }
    case 'identity':
      return r.reasons.some((x) => GUESSES.has(x)) ? client('credentials', first) : null;
    case 'rate':
      return r.status === 429 ? client('rate', first) : null;
    case 'trust':
      // a challenge too: an anonymous client asked for credentials again and again is not a person drawing
      return r.decision === 'deny' || r.decision === 'challenge' ? client('trust', `trust:${r.decision}`) : null;
    case 'probe':
      return client('probing', first);
    case 'behaviour': {
      // the same source from many addresses (attackers rotate addresses, not payloads): one incident per source
      const shared = ctx.behaviour?.anomalies.find((a) => a.detector === 'shared_source');
      const source = shared?.evidence.source;
      if (first === 'behaviour:shared_source' && typeof source === 'string')
        return { ...client('behaviour', first), subject: `source:${source}` };
      return client('behaviour', first);
    }
    case 'cost':
      return client('exhaustion', first);
    case 'upstream':
      return { kind: 'upstream', subject: 'service', ip: ctx.clientIp, user: null, detail: first, requestId: ctx.id };
    default:
      return null;
  }
}

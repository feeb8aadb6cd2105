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
}

/** Refusals of credentials that someone guessing would earn (not an expired token). */
const GUESSES: ReadonlySet<string> = new Set(['identity:invalid_api_key', 'identity:invalid_token']);

/**
 * The signal of a finished request, or null (allowed, allow-listed, or a refusal that is no offence: a block
 * already in force, a malformed request, a route not found). Severity is not decided here: the rules count.
 */
export function signalOf(ctx: RequestContext): Signal | null {
  const r = ctx.refusal;
  if (ctx.listed !== '' || ctx.clientIp === '') return null;
  const client = (kind: IncidentKind, detail: string): Signal => ({
    kind,
    subject: `ip:${ctx.clientIp}`,
    ip: ctx.clientIp,
    user: ctx.identity.user,
    detail,
  });
  if (r === null) {
    // a compile the service gave up on (its time or memory limit): what a resource exhauster earns
    const outcome = ctx.compile?.outcome;
    return outcome === 'timeout' || outcome === 'memory' ? client('timeout', `compile:${outcome}`) : null;
  }
  switch (r.module) {
    case 'sig':
    case 'crs': {
      // confidence decides: one unmistakable rule (shell escape, reading secrets) is an attack on its own
      const attack = ctx.matches.find((m) => m.confidence === 'attack');
      if (attack !== undefined) return client('attack', attack.rule);
      return client('signature', r.reasons[0] ?? r.module);
    }
    case 'identity':
      return r.reasons.some((x) => GUESSES.has(x)) ? client('credentials', r.reasons[0]!) : null;
    case 'rate':
      return ctx.status === 429 ? client('rate', r.reasons[0] ?? 'rate') : null;
    case 'trust':
      return r.decision === 'deny' ? client('trust', 'trust:deny') : null;
    case 'upstream':
      return { kind: 'upstream', subject: 'service', ip: ctx.clientIp, user: null, detail: r.reasons[0] ?? 'upstream' };
    default:
      return null;
  }
}

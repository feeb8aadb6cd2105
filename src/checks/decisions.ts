// Blocks (module `block`): the connection-phase check refuses a blocked address (ip or prefix), a
// headers-phase check a blocked user (after identity); the refusal says until when. The log hook turns
// evidence seen in other checks' refusals (signature refusals weighted by confidence, repeated 429s, guessed
// credentials) into escalating automatic blocks.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { GatewayError } from '../core/errors.js';
import { PASS, type ContentMatch, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { buildCidrSet } from '../net/cidr.js';
import { ORIGINS, type Decision, type Origin } from '../reputation/decision.js';
import type { Decisions } from '../reputation/decisions.js';
import type { CheckDeps } from './deps.js';

/** The blocks service the runtime handed over; a decisions check cannot work without it. */
function blocksOf(deps: CheckDeps): Decisions {
  const blocks = deps.services?.blocks;
  if (blocks === undefined)
    throw new GatewayError('GW_ERR_INTERNAL', 'decisions: the runtime provided no blocks service');
  return blocks;
}

/** Last verdict made per decision: under a flood of a blocked client the same second's refusal is reused. */
const verdicts = new WeakMap<Decision, { readonly seconds: number; readonly verdict: TerminalVerdict }>();

/**
 * The refusal of a blocked client: 403 `block:<origin>`, `Retry-After` (whole seconds until the block ends,
 * at least 1) and `Portcullis-Block-Expires` (when it ends, ISO 8601 UTC). Both come from the block record,
 * never from anything the client sent.
 */
function refusalFor(d: Decision, now: number): TerminalVerdict {
  const seconds = Math.max(1, Math.ceil((d.expires - now) / 1000));
  const last = verdicts.get(d);
  if (last !== undefined && last.seconds === seconds) return last.verdict;
  const verdict: TerminalVerdict = Object.freeze({
    kind: 'deny',
    status: 403,
    reasons: REASONS[d.origin],
    headers: Object.freeze({
      'retry-after': String(seconds),
      'portcullis-block-expires': new Date(d.expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }),
  });
  verdicts.set(d, { seconds, verdict });
  return verdict;
}

const REASONS: Readonly<Record<Origin, readonly string[]>> = Object.freeze(
  Object.fromEntries(ORIGINS.map((o) => [o, Object.freeze([`block:${o}`])])) as Record<Origin, readonly string[]>,
);

/** An allow-listed client skips automatic blocks; a manual block still applies to it. */
function verdictFor(ctx: RequestContext, d: Decision | null, now: number): Verdict {
  if (d === null || (ctx.listed === 'allow' && d.origin !== 'manual')) return PASS;
  return refusalFor(d, now);
}

/**
 * The evidence a signature refusal adds: the weight of the most confident match among the rules that refused
 * it (enforce matches; monitor-mode matches are in ctx.matches too, but not in the refusal's reasons).
 */
export function evidenceWeight(
  matches: readonly ContentMatch[],
  reasons: readonly string[],
  weights: Readonly<Record<string, number>>,
): { weight: number; rule: string } {
  let best = { weight: 0, rule: '' };
  for (const m of matches) {
    const w = weights[m.confidence ?? 'high'] ?? 0;
    if (w > best.weight && reasons.includes(`sig:${m.rule}`)) best = { weight: w, rule: m.rule };
  }
  return best;
}

/** Refusals of credentials that someone guessing would earn (not an expired token). */
const GUESSES: ReadonlySet<string> = new Set(['identity:invalid_api_key', 'identity:invalid_token']);
const isGuess = (reasons: readonly string[]): boolean => reasons.some((r) => GUESSES.has(r));

export function buildDecisionsCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.decisions;
  if (c.mode === 'off') return null;
  const decisions = blocksOf(deps);
  const exempt = buildCidrSet(c.auto.exempt, true);
  const signatures = c.auto.critical_signature;
  const evidence = c.auto.evidence;
  const evidenceWindowMs = evidence.window_s * 1000;
  const clock = deps.clock;
  const strikes = c.auto.rate_limit_refusals;
  const windowMs = c.auto.rate_limit_window_s * 1000;
  const credentials = c.auto.invalid_credentials;
  const credentialsWindowMs = c.auto.invalid_credentials_window_s * 1000;
  const log = deps.log;
  const failed = (err: unknown) => log.warn({ err }, 'automatic block failed');

  return Object.freeze({
    name: 'block',
    phase: 'connection',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      if (ctx.listed === 'bypass') return PASS;
      return verdictFor(ctx, decisions.findIp(ctx.clientIp), clock.now());
    },
    onComplete(ctx: RequestContext): void {
      if (ctx.decision === 'allow' || ctx.listed !== '' || ctx.clientIp === '') return;
      const by = ctx.refusedBy;
      if (by !== 'sig' && by !== 'rate' && by !== 'identity') return;
      if (exempt.has(ctx.clientIp)) return;
      const subject = { scope: 'ip' as const, value: ctx.clientIp };
      if (by === 'identity') {
        // a guessed key or a forged token (an expired one is no guess: its owner simply has to log in again)
        if (credentials === 0 || !isGuess(ctx.refusal?.reasons ?? [])) return;
        decisions
          .strike(subject, credentials, credentialsWindowMs, 'cred_strike')
          .then((hit) => (hit ? decisions.offend(subject, `${credentials} refused credentials`, 'rule') : null))
          .catch(failed);
        return;
      }
      if (by === 'sig' && signatures) {
        const e = evidenceWeight(ctx.matches, ctx.refusal?.reasons ?? [], evidence.weights);
        decisions
          .evidence(subject, e.weight, evidence.threshold, evidenceWindowMs)
          .then((hit) => (hit ? decisions.offend(subject, `signature evidence (last: ${e.rule})`, 'rule') : null))
          .catch(failed);
      } else if (by === 'rate' && strikes > 0 && ctx.status === 429) {
        decisions
          .strike(subject, strikes, windowMs)
          .then((hit) => (hit ? decisions.offend(subject, `${strikes} rate-limit refusals`, 'rule') : null))
          .catch(failed);
      }
    },
  } satisfies Check);
}

/** Headers phase, after identity: refuses a blocked user. */
export function buildUserBlockCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.decisions;
  if (c.mode === 'off') return null;
  const decisions = blocksOf(deps);
  const clock = deps.clock;
  return Object.freeze({
    name: 'block',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      const user = ctx.identity.user;
      if (user === null) return PASS;
      return verdictFor(ctx, decisions.findUser(user), clock.now());
    },
  } satisfies Check);
}

// Blocks (module `block`): the connection-phase check refuses a blocked address (ip or prefix), a
// headers-phase check a blocked user (after identity). The log hook turns offences seen in other checks'
// refusals (a CRITICAL signature, repeated 429s) into escalating automatic blocks.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { GatewayError } from '../core/errors.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { parseCidr } from '../net/cidr.js';
import { ORIGINS, type Decision, type Origin } from '../reputation/decision.js';
import type { Decisions } from '../reputation/decisions.js';
import { PrefixTrieBuilder } from '../net/cidr-trie-builder.js';
import type { CheckDeps } from './deps.js';

/** The blocks service the runtime handed over; a decisions check cannot work without it. */
function blocksOf(deps: CheckDeps): Decisions {
  const blocks = deps.services?.blocks;
  if (blocks === undefined)
    throw new GatewayError('GW_ERR_INTERNAL', 'decisions: the runtime provided no blocks service');
  return blocks;
}

const VERDICTS: Readonly<Record<Origin, TerminalVerdict>> = Object.freeze(
  Object.fromEntries(
    ORIGINS.map((o) => [o, Object.freeze({ kind: 'deny', status: 403, reasons: Object.freeze([`block:${o}`]) })]),
  ) as Record<Origin, TerminalVerdict>,
);

/** An allow-listed client skips automatic blocks; a manual block still applies to it. */
function verdictFor(ctx: RequestContext, d: Decision | null): Verdict {
  if (d === null || (ctx.listed === 'allow' && d.origin !== 'manual')) return PASS;
  return VERDICTS[d.origin];
}

export function buildDecisionsCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.decisions;
  if (c.mode === 'off') return null;
  const decisions = blocksOf(deps);
  const exemptBuilder = new PrefixTrieBuilder<true>(() => true);
  for (const e of c.auto.exempt) exemptBuilder.add(parseCidr(e)!, true);
  const exempt = exemptBuilder.build();
  const critical = c.auto.critical_signature;
  const strikes = c.auto.rate_limit_refusals;
  const windowMs = c.auto.rate_limit_window_s * 1000;
  const log = deps.log;
  const failed = (err: unknown) => log.warn({ err }, 'automatic block failed');

  return Object.freeze({
    name: 'block',
    phase: 'connection',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      if (ctx.listed === 'bypass') return PASS;
      return verdictFor(ctx, decisions.findIp(ctx.clientIp));
    },
    onComplete(ctx: RequestContext): void {
      if (ctx.decision === 'allow' || ctx.listed !== '' || ctx.clientIp === '') return;
      const by = ctx.refusedBy;
      if (by !== 'sig' && by !== 'rate') return;
      if (exempt.lookup(ctx.clientIp) === true) return;
      const subject = { scope: 'ip' as const, value: ctx.clientIp };
      if (by === 'sig' && critical) {
        const m = ctx.matches.find((x) => x.severity === 'CRITICAL');
        if (m !== undefined) decisions.offend(subject, `critical signature ${m.rule}`, 'rule').catch(failed);
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
  return Object.freeze({
    name: 'block',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      const user = ctx.identity.user;
      if (user === null) return PASS;
      return verdictFor(ctx, decisions.findUser(user));
    },
  } satisfies Check);
}

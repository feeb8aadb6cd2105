// Blocks (module `block`): the connection-phase check refuses a blocked address (ip or prefix), a
// headers-phase check a blocked user (after identity). The log hook turns offences seen in other checks'
// refusals (a CRITICAL signature, repeated 429s) into escalating automatic blocks.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { createAuditSink } from '../admin/audit.js';
import { decisionsApi } from '../admin/decisions-api.js';
import { parseCidr } from '../reputation/address.js';
import { ORIGINS, type Decision, type Origin } from '../reputation/decision.js';
import { Decisions } from '../reputation/decisions.js';
import { PrefixTrieBuilder } from '../reputation/trie-builder.js';
import type { CheckDeps } from './registry.js';

/**
 * The gateway's one Decisions instance (long-lived, shared by every config). Other modules make automatic
 * blocks through it: `blocksFor(deps).offend({ scope: 'ip', value }, reason, 'incident')`.
 */
export function blocksFor(deps: Pick<CheckDeps, 'resources' | 'store' | 'clock' | 'log'>): Decisions {
  return deps.resources.get('decisions', () => new Decisions(deps.store, deps.clock, deps.log));
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

function configure(config: GatewayConfig, deps: CheckDeps): Decisions {
  const c = config.decisions;
  const decisions = blocksFor(deps);
  const audit = deps.resources.get(`audit:${c.audit_log}`, () => createAuditSink(c.audit_log, () => deps.clock.now()));
  decisions.settings = Object.freeze({
    stepsMs: Object.freeze(c.escalation.steps_s.map((s) => s * 1000)),
    rememberMs: c.escalation.remember_s * 1000,
    audit,
  });
  void decisions.start(c.resync_s * 1000);
  for (const [route, handler] of Object.entries(decisionsApi(decisions, () => deps.clock.now()))) {
    deps.admin?.(route, handler);
  }
  return decisions;
}

export function buildDecisionsCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.decisions;
  if (c.mode === 'off') return null;
  const decisions = configure(config, deps);
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
  const decisions = blocksFor(deps);
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

// The pipeline runner: checks of one phase in order, verdicts applied, a terminal verdict ends the chain.
// Monitor-mode checks never refuse: what they would have done is recorded as monitor hits.
import type { Check } from './check.js';
import type { RequestContext } from './context.js';
import { protocolRefusal, refusalOf, type Verdict } from './verdict.js';

/** Reported to the caller so faults are counted and logged where metrics live. */
export type FaultHandler = (check: Check, err: unknown) => void;

const FAULT = protocolRefusal('gateway', 500, 'gateway:check_failed', 'error');

/** Applies one verdict; returns true when the request is refused (the chain stops). */
export function applyVerdict(ctx: RequestContext, check: Pick<Check, 'name' | 'mode'>, v: Verdict): boolean {
  if (v.kind === 'continue') {
    if (v.score !== 0 || v.reasons.length !== 0) {
      if (check.mode === 'monitor') {
        ctx.monitorScore += v.score;
        for (const r of v.reasons) ctx.monitorHits.push(r);
      } else {
        ctx.score += v.score;
        for (const r of v.reasons) ctx.reasons.push(r);
      }
    }
    if (v.matches !== undefined) for (const m of v.matches) ctx.matches.push(m);
    return false;
  }
  if (v.matches !== undefined) for (const m of v.matches) ctx.matches.push(m);
  // A terminal verdict's score still counts: the event and explain show what the matches added up to.
  if (check.mode === 'monitor') {
    ctx.monitorScore += v.score ?? 0;
    for (const r of v.reasons) ctx.monitorHits.push(r);
    return false;
  }
  ctx.score += v.score ?? 0;
  ctx.refusal = refusalOf(v, check.name);
  return true;
}

function fault(ctx: RequestContext, check: Check, err: unknown, onFault: FaultHandler): boolean {
  onFault(check, err);
  ctx.refusal = FAULT;
  return true;
}

/**
 * Runs the checks of one phase. Synchronous checks stay synchronous: a promise is awaited only when a
 * check returned one. Resolves to true when the request was refused.
 */
export function runPhase(
  ctx: RequestContext,
  checks: readonly Check[],
  onFault: FaultHandler,
): boolean | Promise<boolean> {
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    let v: Verdict | Promise<Verdict>;
    try {
      v = check.run(ctx);
    } catch (err) {
      return fault(ctx, check, err, onFault);
    }
    if (v instanceof Promise) return finishAsync(ctx, checks, i, v, onFault);
    if (applyVerdict(ctx, check, v)) return true;
  }
  return false;
}

async function finishAsync(
  ctx: RequestContext,
  checks: readonly Check[],
  from: number,
  pending: Promise<Verdict>,
  onFault: FaultHandler,
): Promise<boolean> {
  for (let i = from; i < checks.length; i++) {
    const check = checks[i]!;
    try {
      const v = await (i === from ? pending : check.run(ctx));
      if (applyVerdict(ctx, check, v)) return true;
    } catch (err) {
      return fault(ctx, check, err, onFault);
    }
  }
  return false;
}

/** Runs every check's log hook; a throwing hook is counted and never stops the others. */
export function runLogHooks(ctx: RequestContext, checks: readonly Check[], onFault: FaultHandler): void {
  for (const check of checks) {
    if (check.onComplete === undefined) continue;
    try {
      check.onComplete(ctx);
    } catch (err) {
      onFault(check, err);
    }
  }
}

// Compile budgets (headers phase, after rate): a client whose compile seconds are spent gets 429; each compile
// is charged what it cost (the compile service's CPU or wall time, a timeout in full) in the log phase.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { CompileOutcome } from '../core/compile.js';
import type { BudgetStandingView } from '../core/admission.js';
import { limit, PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { rateControl, type RateSettings } from '../ratelimit/control.js';
import { groupingFromConfig } from '../ratelimit/subject.js';
import { isPromise } from '../store/store.js';
import { StoreError } from '../store/errors.js';
import {
  BUDGET_READ,
  BUDGET_SCRIPT,
  budgetArgs,
  budgetStanding,
  type BudgetParams,
  type BudgetResult,
} from '../budget/script.js';
import type { TierBudget } from '../budget/config.js';
import type { CheckDeps } from './deps.js';

/** ctx.scratch key: the budget keys and plan of a request that was let through (charged in onComplete). */
const HELD = 'budgets.held';

interface BudgetDef {
  /** `compile-hour` | `compile-day`: the RateLimit policy name and the key's tail. */
  readonly name: string;
  readonly params: BudgetParams;
  readonly reason: string;
  readonly policyItem: string;
}

interface TierPlan {
  readonly tier: string;
  readonly defs: readonly BudgetDef[];
  /** The read-only call's args (charge 0). */
  readonly checkArgs: readonly (string | number)[];
  readonly params: readonly BudgetParams[];
  readonly policyHeader: string;
}

interface Held {
  readonly plan: TierPlan;
  readonly keys: readonly string[];
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

function tierPlan(tier: string, b: TierBudget): TierPlan {
  const defs: BudgetDef[] = [];
  const add = (name: string, periodS: number, budgetS: number | undefined): void => {
    if (budgetS === undefined) return;
    defs.push({
      name,
      params: { periodMs: periodS * 1000, budgetMs: Math.round(budgetS * 1000) },
      reason: `budget:${tier}:${name}`,
      policyItem: `"${name}";q=${Math.ceil(budgetS)};w=${periodS};qu="compile-seconds"`,
    });
  };
  add('compile-hour', 3600, b.per_hour_s);
  add('compile-day', 86_400, b.per_day_s);
  const params = defs.map((d) => d.params);
  return Object.freeze({
    tier,
    defs: Object.freeze(defs),
    checkArgs: Object.freeze(budgetArgs(0, params)),
    params: Object.freeze(params),
    policyHeader: defs.map((d) => d.policyItem).join(', '),
  });
}

/** Compile milliseconds a finished compile is charged: CPU when stated, else wall; a timeout at least in full. */
export function chargeMs(c: CompileOutcome, timeoutChargeMs: number): number {
  const spent = c.cpuMs ?? c.wallMs;
  return c.outcome === 'timeout' ? Math.max(spent, timeoutChargeMs) : spent;
}

export function buildBudgetsCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.checks.budgets;
  if (c.mode === 'off') return null;
  const routes = new Set(c.routes ?? config.routes.filter((r) => r.compile !== undefined).map((r) => r.name));
  if (routes.size === 0) return null;
  const rl = config.rate_limits;
  const settings: RateSettings = Object.freeze({
    keyBy: rl.key_by,
    grouping: groupingFromConfig(config.identity),
    tiers: new Set(Object.keys(rl.tiers)),
    defaultTier: rl.default_tier,
    suspiciousTier: rl.suspicious_tier,
  });
  const control = rateControl(deps.resources, deps.store, deps.clock);
  const plans = new Map(Object.entries(c.tiers).map(([tier, b]) => [tier, tierPlan(tier, b)]));
  const store = deps.store;
  const m = deps.metrics;
  const timeoutChargeMs = c.timeout_charge_s * 1000;
  const unavailable: TerminalVerdict = Object.freeze({
    kind: 'limit',
    status: 503,
    reasons: Object.freeze(['budget:store_unavailable']),
    headers: Object.freeze({ 'retry-after': String(c.unavailable_retry_after_s) }),
  });

  const decide = (ctx: RequestContext, plan: TierPlan, keys: readonly string[], r: BudgetResult): Verdict => {
    const views: BudgetStandingView[] = [];
    let refusing: { def: BudgetDef; retryMs: number } | null = null;
    const reasons: string[] = [];
    for (let i = 0; i < plan.defs.length; i++) {
      const def = plan.defs[i]!;
      const step = r.steps[i]!;
      const s = budgetStanding(def.params, step.backlogMs);
      views.push({ name: def.name, remainingS: s.remainingMs / 1000, allow: step.allow });
      if (!step.allow) {
        reasons.push(def.reason);
        if (refusing === null || s.retryMs > refusing.retryMs) refusing = { def, retryMs: s.retryMs };
      }
    }
    ctx.budget = { tier: plan.tier, budgets: views };
    // Kept even when refusing: in monitor mode the request goes on, and what it compiles is charged.
    ctx.scratch.set(HELD, { plan, keys } satisfies Held);
    if (refusing === null) return PASS;
    for (const d of plan.defs) if (reasons.includes(d.reason)) m?.budgetRefusals.child(plan.tier, d.name).inc();
    const retry = Math.max(1, seconds(refusing.retryMs));
    return limit(reasons, {
      'retry-after': String(retry),
      'ratelimit-policy': plan.policyHeader,
      ratelimit: `"${refusing.def.name}";r=0;t=${retry}`,
    });
  };

  const failed = (err: unknown): Verdict => {
    // fail-closed (or a store without a fallback) reaches here: 503, not a fault; fail-open never does.
    if (err instanceof StoreError && err.unavailable) {
      m?.budgetStoreFailures.child('check').inc();
      return unavailable;
    }
    throw err;
  };

  const charged = (tier: string, ms: number): void => {
    m?.budgetCharged.child(tier).inc(ms / 1000);
  };
  const chargeFailed = (err: unknown): void => {
    m?.budgetStoreFailures.child('charge').inc();
    deps.log.warn({ err }, 'compile budget not charged: store call failed');
  };

  return Object.freeze({
    name: 'budget',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict | Promise<Verdict> {
      const route = ctx.route;
      if (route === null || !routes.has(route.name)) return PASS;
      const subject = control.subjectOf(ctx, settings);
      const tier = control.tierOf(ctx, subject, settings);
      const plan = plans.get(tier);
      if (plan === undefined || plan.defs.length === 0) return PASS;
      // One hash tag per client: on a Cluster both budgets are one slot.
      const keys = plan.defs.map((d) => `bg:{${subject.id}}:${tier}:${d.name}`);
      let out: BudgetResult | Promise<BudgetResult>;
      try {
        out = store.run(BUDGET_READ, keys, plan.checkArgs);
      } catch (err) {
        return failed(err);
      }
      if (!isPromise(out)) return decide(ctx, plan, keys, out);
      return out.then((r) => decide(ctx, plan, keys, r), failed);
    },
    onComplete(ctx: RequestContext): void {
      const held = ctx.scratch.get(HELD) as Held | undefined;
      // Nothing compiled (refused by the gateway, or never sent upstream): nothing to charge.
      if (held === undefined || ctx.compile === null) return;
      ctx.scratch.delete(HELD);
      const ms = chargeMs(ctx.compile, timeoutChargeMs);
      if (ms <= 0) return;
      const tier = held.plan.tier;
      try {
        const out = store.run(BUDGET_SCRIPT, held.keys, budgetArgs(ms, held.plan.params));
        if (isPromise(out)) out.then(() => charged(tier, ms), chargeFailed);
        else charged(tier, ms);
      } catch (err) {
        chargeFailed(err);
      }
    },
  } satisfies Check);
}

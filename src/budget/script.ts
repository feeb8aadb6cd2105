// Compile-second budgets as GCRA over milliseconds of compile time: one store script that reads (and charges) them.
import type { Reply, ScriptOps, StoreScript } from '../store/store.js';

/**
 * ARGV after `now`: `charge` (compile ms to add; 0 reads without writing), then per budget: period ms, budget
 * ms. KEYS: one per budget, in the same order.
 *
 * Why GCRA and this shape: a budget of B ms per period P is a GCRA whose emission interval is P / B per compile
 * ms and whose tolerance is the whole period, so an idle client has all of B at once and the spent part comes
 * back continuously (no window edge to wait for). The state is the theoretical arrival time (TAT); the backlog
 * TAT - now, scaled by B / P, is what the client has spent in the last period. A client may start a compile
 * while backlog < P (something left); the charge, known only afterwards, may overdraw: the debt is then what
 * keeps it out (for backlog - P + 1 ms), which is the point of charging what compiling really cost.
 */
export const BUDGET_HEAD_ARGS = 1;
export const ARGS_PER_BUDGET = 2;

export interface BudgetStep {
  /** Something was left before this call's charge (backlog < period). */
  readonly allow: boolean;
  /** Backlog in ms after the charge (before it when nothing was charged), rounded up. */
  readonly backlogMs: number;
}

export interface BudgetResult {
  readonly now: number;
  readonly steps: readonly BudgetStep[];
}

const LUA = `
local now = tonumber(ARGV[1])
local charge = tonumber(ARGV[2])
local out = { now }
for i = 1, #KEYS do
  local base = ${BUDGET_HEAD_ARGS + 2} + (i - 1) * ${ARGS_PER_BUDGET}
  local period = tonumber(ARGV[base])
  local budget = tonumber(ARGV[base + 1])
  local tat = now
  local raw = redis.call('GET', KEYS[i])
  if raw then
    local stored = tonumber(raw)
    if stored > now then tat = stored end
  end
  local allow = 0
  if tat - now < period then allow = 1 end
  if charge > 0 then
    local text = string.format('%.3f', tat + charge * period / budget)
    tat = tonumber(text)
    local ttl = math.ceil(tat - now)
    if ttl < 1 then ttl = 1 end
    redis.call('SET', KEYS[i], text, 'PX', ttl)
  end
  out[#out + 1] = allow
  out[#out + 1] = math.ceil(tat - now)
end
return out`;

function local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
  const charge = Number(args[0]);
  const out: number[] = [now];
  for (let i = 0; i < keys.length; i++) {
    const base = BUDGET_HEAD_ARGS + i * ARGS_PER_BUDGET;
    const period = Number(args[base]);
    const budget = Number(args[base + 1]);
    const raw = ops.get(keys[i]!);
    let tat = now;
    if (raw !== null) {
      const stored = Number(raw);
      if (stored > now) tat = stored;
    }
    const allow = tat - now < period ? 1 : 0;
    if (charge > 0) {
      // Stored as the Lua side formats it, so both stores read back the same TAT.
      tat = Number((tat + (charge * period) / budget).toFixed(3));
      ops.set(keys[i]!, tat.toFixed(3), Math.max(1, Math.ceil(tat - now)));
    }
    out.push(allow, Math.ceil(tat - now));
  }
  return out;
}

function decode(reply: Reply): BudgetResult {
  const r = reply as number[];
  const steps: BudgetStep[] = [];
  for (let i = 1; i + 1 < r.length; i += 2) steps.push({ allow: Number(r[i]) === 1, backlogMs: Number(r[i + 1]) });
  return { now: Number(r[0]), steps };
}

export const BUDGET_SCRIPT: StoreScript<BudgetResult> = Object.freeze({
  name: 'portcullis_budget',
  lua: LUA,
  local,
  decode,
});

/** The check before a compile: the same script with no charge (args from budgetArgs(0, ...)), which only reads. */
export const BUDGET_READ: StoreScript<BudgetResult> = Object.freeze({
  name: 'portcullis_budget_read',
  lua: LUA,
  local(ops: ScriptOps, keys: readonly string[], now: number, args: readonly (string | number)[]): Reply {
    if (Number(args[0]) !== 0) throw new Error('portcullis_budget_read charges nothing: its charge must be 0');
    return local(ops, keys, now, args);
  },
  decode,
  reads: true,
});

/** One budget's parameters: `budgetMs` of compile time per `periodMs`. */
export interface BudgetParams {
  readonly periodMs: number;
  readonly budgetMs: number;
}

/** The script's args: the charge, then each budget's period and amount. */
export function budgetArgs(chargeMs: number, budgets: readonly BudgetParams[]): (string | number)[] {
  const args: (string | number)[] = [Math.max(0, Math.round(chargeMs))];
  for (const b of budgets) args.push(b.periodMs, b.budgetMs);
  return args;
}

/** What a budget's backlog means to the client: compile ms left now, and ms until it may compile again. */
export interface BudgetStanding {
  readonly remainingMs: number;
  /** 0 when something is left; else ms until the backlog falls under the period. */
  readonly retryMs: number;
  /** ms until the whole budget is back (the RateLimit `t` of an exhausted budget is retryMs instead). */
  readonly fullMs: number;
}

export function budgetStanding(p: BudgetParams, backlogMs: number): BudgetStanding {
  const spent = (backlogMs * p.budgetMs) / p.periodMs;
  return {
    remainingMs: Math.max(0, Math.floor(p.budgetMs - spent)),
    retryMs: backlogMs < p.periodMs ? 0 : backlogMs - p.periodMs + 1,
    fullMs: Math.max(0, backlogMs),
  };
}

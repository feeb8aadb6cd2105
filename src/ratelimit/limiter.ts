// Runs one request's plan against the Store in a single script call and reads the result as standings.
import type { Store } from '../store/store.js';
import { gcraStanding, windowStanding } from './algorithms.js';
import type { PolicyStanding } from './headers.js';
import type { Plan } from './plan.js';
import { RATE_SCRIPT, type ScriptResult } from './script.js';

/** Who the counters belong to: `tag` keeps all of a client's keys in one Cluster slot. */
export interface Subject {
  readonly tag: string;
  /** One group per grouping level, narrowest first; the last one is the tag itself. */
  readonly groups: readonly string[];
}

export interface LimitOutcome {
  readonly allowed: boolean;
  readonly standings: readonly PolicyStanding[];
}

const ALLOWED_EMPTY: LimitOutcome = Object.freeze({ allowed: true, standings: Object.freeze([]) });

/** Store keys of a plan for a subject: `rl:{tag}:<level group>:<suffix>` (the widest level omits the group). */
export function planKeys(plan: Plan, subject: Subject): string[] {
  const last = subject.groups.length - 1;
  const head = `rl:{${subject.tag}}:`;
  return plan.defs.map((d) => (d.level >= last ? head + d.suffix : `${head}${subject.groups[d.level]}:${d.suffix}`));
}

/** All of the plan's counters in one store call; refused requests spend nothing. */
export async function checkLimits(store: Store, plan: Plan, subject: Subject): Promise<LimitOutcome> {
  if (plan.defs.length === 0) return ALLOWED_EMPTY;
  return interpret(plan, await store.run(RATE_SCRIPT, planKeys(plan, subject), plan.args));
}

/**
 * Standings for the `used`-th request (1-based) of a grant read at `now`: the units of the grant not yet used
 * count as the client's remaining quota, and a GCRA backlog shrinks as time passes. With used = granted and
 * now = r.now (one request, answered at once) this is exactly the script's own view.
 */
export function standingsAt(plan: Plan, r: ScriptResult, used: number, now: number): LimitOutcome {
  const standings: PolicyStanding[] = new Array(plan.defs.length);
  const unused = r.granted > 0 ? r.granted - used : 0;
  for (let i = 0; i < plan.defs.length; i++) {
    const def = plan.defs[i]!;
    const step = r.steps[i]!;
    let standing;
    if (def.params.kind === 'gcra') {
      const backlog = step.a - unused * def.params.intervalMs - (now - r.now);
      standing = gcraStanding(def.params, Math.max(0, Math.ceil(backlog)), 1);
    } else {
      standing = windowStanding(def.params, now, step.a - unused, step.b, 1);
    }
    standings[i] = { def, standing, allow: step.allow };
  }
  return { allowed: r.granted > 0, standings };
}

function interpret(plan: Plan, r: ScriptResult): LimitOutcome {
  return standingsAt(plan, r, r.granted, r.now);
}

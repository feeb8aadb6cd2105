// The evaluation plan of a CRS program, built once per program: each rule link's target set, transformation
// chain and prefilter gate as small integers. Hundreds of links share a few dozen (targets, transformations)
// pairs, so each distinct target set is resolved once per layout of keys (crs/layout.ts), each value transformed
// and scanned once per chain step, and a whole link skipped when its gate none of those values opens
// (crs/engine.ts).
import { configDecided } from './fold.js';
import { gatesOf, type Gates } from './gates.js';
import { templateOf } from './macros.js';
import type { Program, Rule, Target } from './rule.js';

export interface LinkPlan {
  /** The link's number among the program's links (Plan.links): what applies to it can be a table, not a call. */
  readonly no: number;
  /** The link's static target set (its targets and `!` exclusions), or -1 when it reads TX or MATCHED_*. */
  readonly set: number;
  /** The request view of this (target set, transformation chain): an index into a request's views. */
  readonly view: number;
  /** The link's transformation chain, numbered (links with the same `t:` list share it). */
  readonly chain: number;
  /** The operator's prefilter gate (crs/gates.ts), -1 when it has none and always runs. */
  readonly gate: number;
  /** The plan of the rule's next chained link, null at the chain's end. */
  readonly next: LinkPlan | null;
  /** For a rule head with skipAfter: the index its phase continues after (its marker's, or the phase's end). */
  readonly skipTo: number;
  /** A target counts a collection (`&ARGS`): a ctl's removal changes the count, which no trimmed view holds. */
  readonly counts: boolean;
}

/** Collections that change while a request is evaluated: they are read afresh by every link. */
const CHANGING = new Set(['TX', 'MATCHED_VAR', 'MATCHED_VAR_NAME', 'MATCHED_VARS', 'MATCHED_VARS_NAMES']);

const targetKey = (t: Target): string =>
  `${t.count ? '&' : ''}${t.name}:${t.key ?? ''}:${t.keyRe === null ? '' : `${t.keyRe.flags}/${t.keyRe.source}`}`;

export class Plan {
  readonly gates: Gates;
  /** How many static target sets and request views the program has (sizes of a request's tables). */
  readonly sets: number;
  readonly views: number;
  /**
   * Transformation chains share prefixes (`t:utf8toUnicode,t:urlDecodeUni,...`): each distinct prefix is a step
   * (numbered), and chainSteps[chain] lists the steps of a chain in order, so a request computes each prefix of
   * a value once whatever chains it leads into.
   */
  readonly chainSteps: readonly (readonly number[])[];
  /** Per phase, the plan of each rule head by its index in the phase (markers included). */
  readonly heads: readonly (readonly LinkPlan[])[];
  /** Per phase, by rule index: decided by the configuration alone (crs/fold.ts), so evaluated once and replayed. */
  readonly decided: readonly (readonly boolean[])[];
  /**
   * How many rules open phase 1 that every request runs alike (leadOf): the engine keeps what they leave per
   * replay and starts later requests after them.
   */
  readonly leadEnd: number;
  /** Every link of the program (heads and chained links), by LinkPlan.no. */
  readonly links: readonly Rule[];

  constructor(program: Program) {
    this.gates = gatesOf(program);
    const sets = new Map<string, number>();
    const views = new Map<string, number>();
    const chains = new Map<string, number>();
    const steps = new Map<string, number>();
    const chainSteps: number[][] = [];
    const links: Rule[] = [];
    const linkPlan = (l: Rule, skipTo: number): LinkPlan => {
      const no = links.push(l) - 1;
      const next = l.chained === null ? null : linkPlan(l.chained, -1);
      const gate = this.gates.of(l.op);
      const chainKey = l.transforms.map((f) => transformId(f)).join(',');
      let chain = chains.get(chainKey);
      if (chain === undefined) {
        chains.set(chainKey, (chain = chains.size));
        const list: number[] = [];
        let prefix = '';
        for (const f of l.transforms) {
          prefix += `${transformId(f)},`;
          let step = steps.get(prefix);
          if (step === undefined) steps.set(prefix, (step = steps.size));
          list.push(step);
        }
        chainSteps.push(list);
      }
      const counts = l.targets.some((t) => t.count);
      if (l.targets.some((t) => CHANGING.has(t.name))) {
        return Object.freeze({ no, set: -1, view: -1, chain, gate, next, skipTo, counts });
      }
      const setKey = `${l.targets.map(targetKey).join('|')}!${l.excludes.map(targetKey).join('|')}`;
      let set = sets.get(setKey);
      if (set === undefined) sets.set(setKey, (set = sets.size));
      const viewKey = `${set}/${chain}`;
      let view = views.get(viewKey);
      if (view === undefined) views.set(viewKey, (view = views.size));
      return Object.freeze({ no, set, view, chain, gate, next, skipTo, counts });
    };
    this.heads = program.phases.map((rules, p) =>
      Object.freeze(
        rules.map((r) => {
          const at = r.skipAfter === null ? undefined : program.markers[p]!.get(r.skipAfter);
          return linkPlan(r, at === undefined ? rules.length : at);
        }),
      ),
    );
    this.decided = configDecided(program, this.heads);
    this.leadEnd = leadOf(program.phases[0] ?? [], this.decided[0] ?? []);
    this.sets = sets.size;
    this.views = views.size;
    this.chainSteps = chainSteps;
    this.links = Object.freeze(links);
  }
}

/** Whether a macro text reads nothing but TX and the rule itself (`%{tx.critical_anomaly_score}`, `%{rule.id}`). */
const readsOnlyTx = (s: string): boolean =>
  templateOf(s).every((p) => typeof p === 'string' || p.coll === 'TX' || p.coll === 'RULE');

/**
 * How many rules open phase 1 that every request runs alike: rules the configuration decides (and markers), with
 * no ctl, whose setvars write TX and read only TX and the rule (the setup's defaults, crs-setup.conf's SecActions,
 * REQUEST-901). Nothing the request holds has been read when they run, so what they leave (the TX collection, a
 * logged match, MATCHED_VAR) is the same on every request. One that denies (901001 without crs-setup.conf) ends
 * every request alike: the engine keeps the lead only when its loop got past it.
 */
function leadOf(rules: readonly Rule[], decided: readonly boolean[]): number {
  let i = 0;
  for (; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.marker !== null) continue;
    if (!decided[i]) break;
    let plain = true;
    for (let l: Rule | null = r; l !== null && plain; l = l.chained) {
      if (l.ctls.length > 0) plain = false;
      for (const v of l.setvars)
        if (v.collection !== 'tx' || !readsOnlyTx(v.name) || !readsOnlyTx(v.value)) plain = false;
    }
    if (!plain) break;
  }
  return i;
}

/** A stable small id per transformation function, for view keys. */
const transformIds = new WeakMap<object, number>();
let nextTransformId = 0;
function transformId(f: object): number {
  let id = transformIds.get(f);
  if (id === undefined) transformIds.set(f, (id = nextTransformId++));
  return id;
}

const built = new WeakMap<Program, Plan>();

/** The plan of a program, built on its first evaluation and kept as long as the program. */
export function planOf(program: Program): Plan {
  let p = built.get(program);
  if (p === undefined) built.set(program, (p = new Plan(program)));
  return p;
}

// Runs a compiled CRS program over one request (phases 1 and 2): variables, transformations, operators, chains,
// setvar and the TX collection, skipAfter/markers, ctl exclusions and the disruptive action that ends it.
import type { Template } from './macros.js';
import type { CrsInput, Entry } from './input.js';
import { inRanges } from './compile.js';
import type { Ctl, Program, Rule, SetVar, Target } from './rule.js';
import type { Captures } from './operators.js';
import { isOpen } from './gates.js';
import { keyMatch, keyTestOf } from './key-test.js';
import { planOf, type LinkPlan, type Plan } from './plan.js';
import { MemoCache, memoCacheOf, type ValueMemo } from './memo.js';
import { TxCollection } from './tx.js';
import {
  Layout,
  LayoutCache,
  covers,
  excluded as staticallyExcluded,
  keysOf,
  requestCollection,
  scalarOf,
  selects,
  type HitName,
} from './layout.js';

export interface CrsMatch {
  readonly id: number;
  /** Where it matched (`ARGS:title`), never the value. */
  readonly variable: string;
  readonly paranoia: number;
  readonly severity: string;
}

export interface CrsResult {
  /** Logged rules that matched, in order (949110 among them when the score crossed the threshold). */
  readonly matches: readonly CrsMatch[];
  /** The rule whose deny/drop ended the request, 0 when none did. */
  readonly deniedBy: number;
  /** tx.blocking_inbound_anomaly_score at the end (CRS's own sum, per paranoia level in force). */
  readonly score: number;
}

/** A value a target yields: its name is made only when it matches (`coll`, or `coll:key`). */
interface Hit {
  readonly coll: string;
  readonly key: string | null;
  readonly value: string;
}

const hitName = (h: Hit): string => (h.key === null ? h.coll : `${h.coll}:${h.key}`);

const NO_CAPTURES: Captures = Object.freeze([]);

/** Whether toLowerCase() may change a text: it holds an ASCII capital, or a character past ASCII. */
function mayLower(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}

/** TX.0 to TX.9, the names captures are set under (made once, not a String() per capture). */
const CAPTURE_KEYS: readonly string[] = Object.freeze(Array.from({ length: 10 }, (_, k) => String(k)));

const NO_TARGET: Hit = Object.freeze({ coll: '', key: null, value: '' });

const SCALAR: Entry = Object.freeze({ key: '', lkey: '', value: '' });

/**
 * One (target set, transformation chain) of a request: the values its links read, transformed once, and the
 * prefilter gates each opens (made on the first gated link that reads it). Its names are its layout's
 * (crs/layout.ts).
 */
class View {
  opens: (readonly number[])[] | null = null;
  /**
   * This view without the targets some ctls removed, by the numbers of the removals that apply (trimmedView):
   * kept with the view, so a view kept across requests keeps its trimmed forms too.
   */
  trims: Map<number | string, View> | null = null;
  /** A view kept with a layout: the layout's version (Layout.version) it last held the request's values at. */
  version = -1;
  /** Kept with a layout (or a kept view's trimmed form): later requests holding its values read it. */
  kept = false;
  /**
   * A kept view's links that matched none of its values, a bit per link number: an operator without macros
   * answers the same on the same values, and a link that matched nothing did nothing, so a later request
   * skips it.
   */
  misses: Uint32Array | null = null;

  constructor(
    readonly names: readonly HitName[],
    /** What is known of each hit's value (Transaction.memoFor): its forms, gates, bytes and verdicts. */
    readonly memos: readonly ValueMemo[],
    readonly values: readonly string[],
    readonly chain: number,
  ) {}
}

/** A view without the values a ctl removed: the entries at `keep`, in one pass. */
function trim(base: View, keep: readonly number[]): View {
  const n = keep.length;
  const names = new Array<HitName>(n);
  const memos = new Array<ValueMemo>(n);
  const values = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const i = keep[k]!;
    names[k] = base.names[i]!;
    memos[k] = base.memos[i]!;
    values[k] = base.values[i]!;
  }
  return new View(names, memos, values, base.chain);
}

/** The view of an empty target set (evalLink returns before anything reads its gates). */
const EMPTY_VIEW = new View([], [], [], -1);

interface RemovedTarget {
  readonly ids: (id: number) => boolean;
  /** By link number (LinkPlan.no): 1 when the removal applies to the link's rule. */
  readonly applies: Uint8Array;
  readonly target: Target;
  /** The ctl's number (ctlNumber): which removals apply to a link is the key of its trimmed views. */
  readonly no: number;
}

const ctlNumbers = new WeakMap<Ctl, number>();
let ctlsNumbered = 0;

/** A number for each ctl (rules' and the gateway's are made once, at load): stable across requests. */
function ctlNumber(c: Ctl): number {
  let n = ctlNumbers.get(c);
  if (n === undefined) ctlNumbers.set(c, (n = ++ctlsNumbered));
  return n;
}

const applying = new WeakMap<Plan, WeakMap<Ctl, Uint8Array>>();

/** By link number: whether a ctl's rules (ids, or its tag's) include the link's, found once per plan and ctl. */
function appliesOf(plan: Plan, c: Ctl, ids: (id: number) => boolean): Uint8Array {
  let byCtl = applying.get(plan);
  if (byCtl === undefined) applying.set(plan, (byCtl = new WeakMap()));
  let a = byCtl.get(c);
  if (a === undefined) {
    a = new Uint8Array(plan.links.length);
    for (let k = 0; k < a.length; k++) a[k] = ids(plan.links[k]!.id) ? 1 : 0;
    byCtl.set(c, a);
  }
  return a;
}

/** Ids of the program's rules with a tag a ctl names, found once per program and ctl (not per request). */
const tagged = new WeakMap<Program, WeakMap<object, ReadonlySet<number>>>();

function idsTagged(program: Program, ctl: object, tag: { test(s: string): boolean }): ReadonlySet<number> {
  let byCtl = tagged.get(program);
  if (byCtl === undefined) tagged.set(program, (byCtl = new WeakMap()));
  let ids = byCtl.get(ctl);
  if (ids === undefined) {
    const found = new Set<number>();
    for (const phase of program.phases) for (const r of phase) if (r.tags.some((t) => tag.test(t))) found.add(r.id);
    byCtl.set(ctl, (ids = found));
  }
  return ids;
}

/** Bytes of the values regexes read, for one evaluation at a time (reset by evaluate()). */
const bytePool = { buf: Buffer.allocUnsafe(1 << 16), used: 0 };

/** One request's evaluation state: the TX collection, matched variables, runtime exclusions. */
class Transaction {
  /** The TX collection (over what the leading rules left, when a later request starts after them). */
  tx = new TxCollection();
  matchedVar = '';
  matchedVarName = '';
  matchedVars: readonly Hit[] = [];
  engine: 'on' | 'off' | 'detectiononly' = 'on';
  /** The target removals in force (what they remove from which rules: trimmedView, excluded). */
  removedTargets: RemovedTarget[] = [];
  /**
   * By link number: 1 when a rule removal in force removes the link's rule (removedMask), or a target removal
   * applies to it (trimMask); null while there is none. One read per rule visited, not one per removal.
   */
  removedMask: Uint8Array | null = null;
  trimMask: Uint8Array | null = null;
  readonly matches: CrsMatch[] = [];
  /** Traces of the rules the configuration decides (crs/fold.ts); null once a ctl removed something. */
  replay: Replay | null = null;
  /** Each distinct value of this request, with what is known of it (crs/memo.ts): per-request caches key on it. */
  private readonly valueMemos = new Map<string, ValueMemo>();
  private readonly memoCache: MemoCache;
  /** Where this request's values are for each target set, and the views kept with it (crs/layout.ts). */
  private readonly layout: Layout<View, ValueMemo>;
  /** By slot of the layout: the value's memo, once a view asked for it. */
  private readonly slotMemos: (ValueMemo | undefined)[] = [];
  readonly plan: Plan;
  /** The gates each value seen so far opens (values repeat across rules: one scan each). */
  private readonly opened = new Map<string, number[]>();
  private readonly views: (View | undefined)[];

  constructor(
    readonly program: Program,
    readonly input: CrsInput,
    memo: MemoCache | null,
  ) {
    this.plan = planOf(program);
    // Sized once: growing it a slot at a time cost more than the lookups it serves.
    this.views = new Array<View | undefined>(this.plan.views);
    this.memoCache = memo ?? memoCacheOf(this.plan);
    // Without the memo nothing is kept: the layout is found afresh too.
    this.layout =
      memo === null ? layoutsOf(this.plan).get(input) : new Layout<View, ValueMemo>(this.plan, keysOf(input));
    this.readSlots();
  }

  /**
   * The memos of the values at the layout's slots, compared with the last request's: when one differs, the
   * layout's version moves on, and a kept view is this request's only if its own values are (holds).
   */
  private readSlots(): void {
    const layout = this.layout;
    const last = layout.memos;
    let changed = false;
    for (let s = 0; s < layout.refs.length; s++) {
      const m = this.slotMemo(s);
      if (last[s] !== m) {
        last[s] = m;
        changed = true;
      }
    }
    if (changed) layout.version++;
  }

  private openedBy(value: string): readonly number[] {
    let o = this.opened.get(value);
    if (o === undefined) this.opened.set(value, (o = this.plan.gates.open(value)));
    return o;
  }

  /** False when the operator cannot match the value: it needs an atom (of gate g) the value does not hold. */
  mayMatch(g: number, value: string): boolean {
    return g < 0 || isOpen(this.openedBy(value), g);
  }

  /** The view of a link whose targets are request collections only (lp.set >= 0). */
  view(rule: Rule, lp: LinkPlan): View {
    let v = this.views[lp.view];
    if (v === undefined) {
      const layout = this.layout;
      const set = layout.sets[lp.set] ?? layout.resolve(lp.set, rule, this.input);
      const slots = set.slots;
      if (slots.length === 0) {
        // Most target sets of a request are empty (no cookies, no query, no files): one shared view for them.
        this.views[lp.view] = v = EMPTY_VIEW;
        return v;
      }
      // The view an earlier request of this layout made of the same kept values: its forms and gates.
      const shared = layout.views[lp.view];
      if (shared !== undefined && (shared.version === layout.version || this.holds(shared, slots))) {
        shared.version = layout.version;
        this.views[lp.view] = v = shared;
        return v;
      }
      // Loops, not map/every: a new title rebuilds some sixty views per request.
      const n = slots.length;
      const memos = new Array<ValueMemo>(n);
      const values = new Array<string>(n);
      let kept = true;
      for (let k = 0; k < n; k++) {
        const m = (memos[k] = this.slotMemo(slots[k]!));
        values[k] = this.transformedMemo(rule, lp.chain, m);
        kept &&= m.kept;
      }
      this.views[lp.view] = v = new View(set.names, memos, values, lp.chain);
      if (kept) {
        v.version = layout.version;
        v.kept = true;
        layout.views[lp.view] = v;
      }
    }
    return v;
  }

  /** Whether a view holds this request's values at the given slots (a kept memo is its value). */
  private holds(v: View, slots: readonly number[]): boolean {
    const memos = v.memos;
    for (let k = 0; k < slots.length; k++) if (memos[k] !== this.slotMemo(slots[k]!)) return false;
    return true;
  }

  /** The memo of the value at a slot of the request's layout. */
  private slotMemo(s: number): ValueMemo {
    let m = this.slotMemos[s];
    if (m === undefined) {
      this.slotMemos[s] = m = this.memoFor(this.layout.valueAt(this.input, s));
      // A slot this request's sets added: no kept view reads it yet, so the version need not move.
      this.layout.memos[s] ??= m;
    }
    return m;
  }

  /** The gates each of a view's values opens. */
  opens(v: View): readonly (readonly number[])[] {
    if (v.opens === null) {
      const steps = this.plan.chainSteps[v.chain]!;
      const n = v.memos.length;
      const opens = new Array<readonly number[]>(n);
      for (let i = 0; i < n; i++) opens[i] = this.opensAt(steps, steps.length - 1, v.memos[i]!);
      v.opens = opens;
    }
    return v.opens;
  }

  /** A value after step k of a chain (k = -1: as it came); the view that holds it computed its forms. */
  stage(steps: readonly number[], k: number, m: ValueMemo): string {
    return k < 0 ? m.value : m.forms[steps[k]!]!;
  }

  /** The gates a value opens after step k of a chain (k = -1: the raw value); its forms are computed. */
  opensAt(steps: readonly number[], k: number, m: ValueMemo): readonly number[] {
    if (k < 0) return (m.rawOpens ??= this.openedBy(m.value));
    const step = steps[k]!;
    let o = m.opens[step];
    if (o === undefined) {
      const v = m.forms[step]!;
      const before = k === 0 ? m.value : m.forms[steps[k - 1]!]!;
      m.opens[step] = o = v === before ? this.opensAt(steps, k - 1, m) : this.openedBy(v);
    }
    return o;
  }

  /**
   * A value's UTF-8 bytes for node-re2: a view into a pooled buffer when it fits (evaluation is synchronous and
   * the views die with it), else a buffer of its own.
   */
  bytes(v: string): Buffer {
    const need = v.length * 3;
    if (bytePool.used + need > bytePool.buf.length) return Buffer.from(v, 'utf8');
    const start = bytePool.used;
    bytePool.used += bytePool.buf.write(v, start, 'utf8');
    return bytePool.buf.subarray(start, bytePool.used);
  }

  /**
   * The view of a link some ctl in force removes targets from, without them; null when the link counts a
   * collection (`&ARGS`: the count itself changes), which takes the general path.
   */
  trimmedView(rule: Rule, lp: LinkPlan): View | null {
    const no = lp.no;
    if (lp.counts) return null;
    const removed = this.removedTargets;
    // The key: the numbers of the removals that apply (what the link loses depends on nothing else; its view's
    // set fixes its own `!` exclusions): the number when one applies (941010's, most requests), else a string.
    let key: number | string = -1;
    for (let k = 0; k < removed.length; k++) {
      const r = removed[k]!;
      if (r.applies[no] === 1) key = key === -1 ? r.no : `${key},${r.no}`;
    }
    const base = this.view(rule, lp);
    if (base.names.length === 0) return base;
    let v = base.trims?.get(key);
    if (v === undefined) {
      // Which of the set's values the removals leave depends on their names alone: found once per layout.
      const keep = this.layout.trimmed(lp.set, key, () => {
        const kept: number[] = [];
        base.names.forEach((h, i) => {
          if (!this.removedByCtl(no, h)) kept.push(i);
        });
        return kept;
      });
      v = keep.length === base.names.length ? base : trim(base, keep);
      v.kept = base.kept;
      (base.trims ??= new Map()).set(key, v);
    }
    return v;
  }

  /**
   * Whether a ctl in force removes a view's hit from this rule (the view's own `!` exclusions were applied when
   * its set was resolved): only a removal of the hit's collection can, so the entry is made for those only.
   */
  private removedByCtl(no: number, h: HitName): boolean {
    const removed = this.removedTargets;
    for (let k = 0; k < removed.length; k++) {
      const r = removed[k]!;
      if (r.target.name !== h.coll || r.applies[no] !== 1) continue;
      // The entry as the collection lists it (a scalar's key is empty, as SCALAR's).
      const key = h.key ?? '';
      if (covers(r.target, h.coll, { key, lkey: key.toLowerCase(), value: '' })) return true;
    }
    return false;
  }

  /** Whether a ctl in force removes some target from this rule (then it reads a trimmed view). */
  removesTargetsOf(lp: LinkPlan): boolean {
    const m = this.trimMask;
    return m !== null && m[lp.no] === 1;
  }

  /** What is known of a value (crs/memo.ts): once per distinct value of a request, from the cache when kept. */
  memoFor(value: string): ValueMemo {
    // A value of every request is in the cache's young generation: one lookup (the same memo get() returns)
    let m = this.memoCache.youngMemo(value);
    if (m !== undefined) return m;
    m = this.valueMemos.get(value);
    if (m === undefined) this.valueMemos.set(value, (m = this.memoCache.get(value)));
    return m;
  }

  private transformedMemo(rule: Rule, chain: number, m: ValueMemo): string {
    const t = rule.transforms;
    let out = m.value;
    const steps = this.plan.chainSteps[chain]!;
    const forms = m.forms;
    for (let k = 0; k < t.length; k++) {
      const step = steps[k]!;
      const known = forms[step];
      if (known !== undefined) out = known;
      else forms[step] = out = t[k]!(out);
    }
    return out;
  }

  /**
   * The UTF-8 bytes of a view's value i, made once per chain and value: pooled for this request, or the value's
   * own when the memo outlives it.
   */
  bytesAt(v: View, i: number): Buffer {
    const m = v.memos[i]!;
    return (m.bytes[v.chain] ??= m.kept ? Buffer.from(v.values[i]!, 'utf8') : this.bytes(v.values[i]!));
  }

  /** A value (of TX, MATCHED_*, ...) through a link's chain, from the same per-step caches as the views. */
  transformed(rule: Rule, chain: number, value: string): string {
    return rule.transforms.length === 0 ? value : this.transformedMemo(rule, chain, this.memoFor(value));
  }

  /** Request collections are the same for the whole evaluation: listed once (TX and MATCHED_* change). */
  private readonly listed = new Map<string, readonly Entry[] | null>();

  collection(name: string): readonly Entry[] | null {
    if (name === 'TX' || name.startsWith('MATCHED_')) return this.listCollection(name);
    let c = this.listed.get(name);
    if (c === undefined) this.listed.set(name, (c = this.listCollection(name)));
    return c;
  }

  private listCollection(name: string): readonly Entry[] | null {
    switch (name) {
      case 'TX': {
        const list: Entry[] = [];
        this.tx.forEach((v, k) => list.push({ key: k, lkey: k, value: v }));
        return list;
      }
      case 'MATCHED_VARS':
        return this.matchedVars.map((h) => {
          const n = hitName(h);
          return { key: n, lkey: n.toLowerCase(), value: h.value };
        });
      case 'MATCHED_VARS_NAMES':
        return this.matchedVars.map((h) => {
          const n = hitName(h);
          return { key: n, lkey: n.toLowerCase(), value: n };
        });
      default:
        return requestCollection(this.input, name);
    }
  }

  scalar(name: string): string {
    if (name === 'MATCHED_VAR') return this.matchedVar;
    if (name === 'MATCHED_VAR_NAME') return this.matchedVarName;
    return scalarOf(this.input, name);
  }

  /**
   * `%{tx.x}`, `%{MATCHED_VAR}`, `%{REQUEST_HEADERS.host}`, `%{rule.id}` expanded. `lower`: a setvar's name, in
   * lower case; the rule's text is lower case already, so the whole is lowered only when a macro brought in
   * something that may not be (most bring a lower-case capture: `%{tx.0}` of a header name read `t:lowercase`).
   */
  expand(parts: Template, rule: Rule, lower = false): string {
    let out = '';
    let lowering = false;
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!;
      if (typeof part === 'string') out += part;
      else {
        const v = this.macro(part.coll, part.key, rule);
        if (lower && !lowering) lowering = mayLower(v);
        out += v;
      }
    }
    return lowering ? out.toLowerCase() : out;
  }

  /** The operator's argument as this request reads it (its macros expanded, when it has any). */
  operatorArg(rule: Rule): string {
    return rule.opArgMacros === null ? rule.opArg : this.expand(rule.opArgMacros, rule);
  }

  private macro(coll: string, key: string | null, rule: Rule): string {
    if (coll === 'TX') return key === null ? '' : (this.tx.get(key) ?? '');
    if (coll === 'RULE') {
      if (key === 'id') return String(rule.id);
      if (key === 'msg') return rule.msg;
      if (key === 'severity') return rule.severity;
      return '';
    }
    const c = this.collection(coll);
    if (c === null) return this.scalar(coll);
    if (key === null) return '';
    return c.find((e) => e.lkey === key)?.value ?? '';
  }

  /** The (name, value) pairs one target yields for a rule, after its exclusions. */
  resolve(rule: Rule, t: Target, out: Hit[]): void {
    if (t.name === 'TX' && t.key !== null) {
      // The common case (TX:blocking_paranoia_level): one lookup, no listing of the collection; the key left out
      // when the rule's `!TX:key` or a removal in force (an exclusion's `TX:key` field) covers it, as a listing
      // leaves it out.
      let v = this.tx.get(t.key);
      if (v !== undefined && this.mayExclude(rule) && this.excluded(rule, 'TX', { key: t.key, lkey: t.key, value: v }))
        v = undefined;
      if (t.count) out.push({ coll: '&TX', key: null, value: v === undefined ? '0' : '1' });
      else if (v !== undefined) out.push({ coll: 'TX', key: t.key, value: v });
      return;
    }
    if (t.name === 'TX' && !t.count) {
      // The whole TX collection or a key regex (TX:/^header_name_920450_/): read in place, nothing listed; an
      // entry to test exclusions on is made only when something may exclude a TX variable from this rule.
      const may = this.mayExclude(rule);
      const each = (v: string, k: string): void => {
        if (!may || !this.excluded(rule, 'TX', { key: k, lkey: k, value: v }))
          out.push({ coll: 'TX', key: k, value: v });
      };
      if (t.keyRe === null) this.tx.forEach(each);
      else {
        const kt = keyTestOf(t.keyRe);
        this.tx.forEachPicked(kt, (k) => keyMatch(kt, k), each);
      }
      return;
    }
    const c = this.collection(t.name);
    if (c === null) {
      // A scalar can be removed from a rule too (ctl:ruleRemoveTargetByTag=xss-perf-disable;REQUEST_FILENAME).
      if (this.excluded(rule, t.name, SCALAR)) return;
      out.push({ coll: t.name, key: null, value: t.count ? '1' : this.scalar(t.name) });
      return;
    }
    let n = 0;
    const kt = t.keyRe === null ? null : keyTestOf(t.keyRe);
    for (let k = 0; k < c.length; k++) {
      const e = c[k]!;
      if (!selects(t, kt, e) || this.excluded(rule, t.name, e)) continue;
      if (t.count) n++;
      else out.push({ coll: t.name, key: e.key, value: e.value });
    }
    if (t.count) out.push({ coll: `&${t.name}`, key: null, value: String(n) });
  }

  /** Whether the rule's own `!` targets or a removal in force may exclude some target from it (excluded). */
  private mayExclude(rule: Rule): boolean {
    if (rule.excludes.length > 0) return true;
    const removed = this.removedTargets;
    for (let k = 0; k < removed.length; k++) if (removed[k]!.ids(rule.id)) return true;
    return false;
  }

  /** The rule's `!` exclusions (layout.ts), then the removals of the request's ctls that apply to it. */
  private excluded(rule: Rule, name: string, e: Entry): boolean {
    if (staticallyExcluded(rule, name, e)) return true;
    const removed = this.removedTargets;
    for (let k = 0; k < removed.length; k++) {
      const r = removed[k]!;
      if (r.ids(rule.id) && covers(r.target, name, e)) return true;
    }
    return false;
  }

  /** Whether a ctl in force removed the rule whose head is this link. */
  removed(lp: LinkPlan): boolean {
    const m = this.removedMask;
    return m !== null && m[lp.no] === 1;
  }
}

/**
 * The operator's verdict on one value (negation applied), its gate already read (`open`: false, the operator
 * cannot match); sets captures. A regex reads the value's bytes (value i of `view`, cached there, or made for
 * it alone without one), and runs on the string again for captures only when it matched (rare on ordinary
 * traffic).
 */
function verdict(
  tx: Transaction,
  rule: Rule,
  v: string,
  arg: string,
  open: boolean,
  view: View | null,
  i: number,
): boolean {
  return settle(tx, rule, open ? answer(tx, rule, v, arg, view, i) : null);
}

/** The operator's answer on one value (captures, possibly none, or null), its gate open: see verdict. */
function answer(tx: Transaction, rule: Rule, v: string, arg: string, view: View | null, i: number): Captures | null {
  const byBytes = rule.op.matchBytes;
  if (byBytes === null) return rule.op.match(v, arg, rule.capture);
  if (!byBytes(view === null ? tx.bytes(v) : tx.bytesAt(view, i))) return null;
  return rule.capture && !rule.negated ? rule.op.match(v, arg, true) : NO_CAPTURES;
}

/** An answer as the rule takes it: negation applied, captures set (TX:0-9). */
function settle(tx: Transaction, rule: Rule, caps: Captures | null): boolean {
  const ok = rule.negated ? caps === null : caps !== null;
  if (ok && rule.capture && caps !== null && caps.length > 0) {
    for (let k = 0; k < caps.length; k++) tx.tx.set(k < CAPTURE_KEYS.length ? CAPTURE_KEYS[k]! : String(k), caps[k]!);
  }
  return ok;
}

/**
 * answer() for value i of a link's view, from the value's memo when an earlier request (or link) asked the
 * same: an operator without macros answers the same on the same form (crs/memo.ts).
 */
function answerAt(tx: Transaction, rule: Rule, lp: LinkPlan, arg: string, view: View, i: number): Captures | null {
  const m = view.memos[i]!;
  // A value not kept lives for this request only, and no link asks twice: nothing to remember.
  if (rule.op.dynamic || !m.kept) return answer(tx, rule, view.values[i]!, arg, view, i);
  const known = m.verdicts?.get(lp);
  if (known !== undefined) return known;
  const caps = answer(tx, rule, view.values[i]!, arg, view, i);
  (m.verdicts ??= new Map()).set(lp, caps === null || caps === NO_CAPTURES ? caps : Object.freeze(caps));
  return caps;
}

/** Whether one value of a general-path link matches; sets captures. */
function test(tx: Transaction, rule: Rule, v: string, arg: string, gate: number): boolean {
  return verdict(tx, rule, v, arg, tx.mayMatch(gate, v), null, 0);
}

/**
 * A value of a link matched: it joins the link's matches (MATCHED_VARS for the next link) and the link's
 * non-disruptive actions run for it, before the next link reads what they set.
 */
function onMatch(tx: Transaction, rule: Rule, head: Rule, name: string, v: string, matched: Hit[] | null): Hit[] {
  const list = matched ?? [];
  list.push({ coll: name, key: null, value: v });
  actOn(tx, rule, head, name, v);
  return list;
}

/** A link's actions for one value it matched: MATCHED_VAR(_NAME) set to it, then the link's setvars. */
function actOn(tx: Transaction, rule: Rule, head: Rule, name: string, v: string): void {
  tx.matchedVar = v;
  tx.matchedVarName = name;
  const setvars = rule.setvars;
  for (let k = 0; k < setvars.length; k++) setVar(tx, head, setvars[k]!);
}

/** The value of a hit that matched, or null: every transformation stage under multiMatch, else the last. */
function matchingValue(tx: Transaction, rule: Rule, value: string, arg: string, lp: LinkPlan): string | null {
  const gate = lp.gate;
  if (!(rule.multiMatch && rule.transforms.length > 0)) {
    const v = tx.transformed(rule, lp.chain, value);
    return test(tx, rule, v, arg, gate) ? v : null;
  }
  let prev = value;
  if (test(tx, rule, prev, arg, gate)) return prev;
  for (const f of rule.transforms) {
    const v = f(prev);
    if (v !== prev && test(tx, rule, v, arg, gate)) return v;
    prev = v;
  }
  return null;
}

/** One link of a rule: true when it matched; the matches become MATCHED_VARS for the next link. */
function evalLink(tx: Transaction, rule: Rule, head: Rule, lp: LinkPlan): boolean {
  if (lp.set >= 0) {
    // A ctl of the request removed targets from this rule (941010 takes REQUEST_FILENAME from the XSS rules
    // when it is plain): the view without them, made once per such set of removals.
    const view = tx.removesTargetsOf(lp) ? tx.trimmedView(rule, lp) : tx.view(rule, lp);
    // No value: nothing to match (a negated operator too: it matches values, and there is none).
    if (view !== null && view.values.length === 0) return false;
    if (view !== null) {
      const no = lp.no;
      const misses = view.misses;
      if (misses !== null && (misses[no >>> 5]! & (1 << (no & 31))) !== 0) return false;
      const ok = rule.multiMatch ? evalStages(tx, rule, head, lp, view) : evalView(tx, rule, head, lp, view);
      if (!ok && view.kept && !rule.op.dynamic) {
        const m = (view.misses ??= new Uint32Array((tx.plan.links.length + 31) >>> 5));
        m[no >>> 5]! |= 1 << (no & 31);
      }
      return ok;
    }
  }
  // A new list: emptying a kept one (`length = 0`) is a call into the runtime, dearer than a young allocation.
  const hits: Hit[] = [];
  const targets = rule.targets;
  for (let k = 0; k < targets.length; k++) tx.resolve(rule, targets[k]!, hits);
  if (rule.targets.length === 0) hits.push(NO_TARGET);
  const arg = tx.operatorArg(rule);
  let matched: Hit[] | null = null;
  for (let k = 0; k < hits.length; k++) {
    const h = hits[k]!;
    const v = matchingValue(tx, rule, h.value, arg, lp);
    if (v !== null) matched = onMatch(tx, rule, head, hitName(h), v, matched);
  }
  return concluded(tx, matched);
}

/** A link's matches become MATCHED_VARS for the next link; false when it has none. */
function concluded(tx: Transaction, matched: Hit[] | null): boolean {
  if (matched === null) return false;
  tx.matchedVars = matched;
  return true;
}

/** Whether some value's gates include gate g. */
function anyOpen(opens: readonly (readonly number[])[], g: number): boolean {
  for (let i = 0; i < opens.length; i++) if (isOpen(opens[i]!, g)) return true;
  return false;
}

/** evalLink for a link reading request collections only: its values come from the request's view. */
function evalView(tx: Transaction, rule: Rule, head: Rule, lp: LinkPlan, view: View): boolean {
  const gate = lp.gate;
  let opens: readonly (readonly number[])[] | null = null;
  if (gate >= 0) {
    opens = tx.opens(view);
    // No value holds what the operator needs: nothing can match (a negated operator matches every value).
    if (!rule.negated && !anyOpen(opens, gate)) return false;
  }
  const arg = tx.operatorArg(rule);
  const { names, values } = view;
  let matched: Hit[] | null = null;
  for (let i = 0; i < values.length; i++) {
    const open = opens === null || isOpen(opens[i]!, gate);
    if (settle(tx, rule, open ? answerAt(tx, rule, lp, arg, view, i) : null)) {
      matched = onMatch(tx, rule, head, names[i]!.name, values[i]!, matched);
    }
  }
  return concluded(tx, matched);
}

/**
 * evalView for a multiMatch link: each value is tested as it came and after each transformation that changed
 * it, the first stage that matches counting (as matchingValue does), the stages and their gates read from the
 * request's per-step caches rather than transformed and scanned again for this link.
 */
function evalStages(tx: Transaction, rule: Rule, head: Rule, lp: LinkPlan, view: View): boolean {
  const gate = lp.gate;
  const steps = tx.plan.chainSteps[lp.chain]!;
  const arg = tx.operatorArg(rule);
  let matched: Hit[] | null = null;
  for (let i = 0; i < view.memos.length; i++) {
    const m = view.memos[i]!;
    let prev: string | null = null;
    for (let k = -1; k < steps.length; k++) {
      const v = tx.stage(steps, k, m);
      if (v === prev) continue;
      prev = v;
      const open = gate < 0 || isOpen(tx.opensAt(steps, k, m), gate);
      if (verdict(tx, rule, v, arg, open, null, 0)) {
        matched = onMatch(tx, rule, head, view.names[i]!.name, v, matched);
        break;
      }
    }
  }
  return concluded(tx, matched);
}

function setVar(tx: Transaction, rule: Rule, s: SetVar): void {
  const name = s.nameMacros === null ? s.name : tx.expand(s.nameMacros, rule, true);
  if (s.op === 'delete') {
    tx.tx.delete(name);
    return;
  }
  const value = s.valueMacros === null ? s.value : tx.expand(s.valueMacros, rule);
  if (s.op === 'set') tx.tx.set(name, value);
  else {
    const cur = Number.parseInt(tx.tx.get(name) ?? '0', 10) || 0;
    const d = Number.parseInt(value, 10) || 0;
    tx.tx.set(name, String(s.op === 'add' ? cur + d : cur - d));
  }
}

/** Per plan and ctl: whether the rules the ctl names include one the configuration decides (crs/fold.ts). */
const touching = new WeakMap<Plan, WeakMap<Ctl, boolean>>();

function touchesDecided(tx: Transaction, c: Ctl, ids: (id: number) => boolean): boolean {
  let byCtl = touching.get(tx.plan);
  if (byCtl === undefined) touching.set(tx.plan, (byCtl = new WeakMap()));
  let t = byCtl.get(c);
  if (t === undefined) {
    t = false;
    const { phases } = tx.program;
    for (let p = 0; p < phases.length && !t; p++) {
      const decided = tx.plan.decided[p]!;
      phases[p]!.forEach((r, i) => {
        for (let l: Rule | null = r; l !== null && decided[i]! && !t; l = l.chained) t = ids(l.id);
      });
    }
    byCtl.set(c, t);
  }
  return t;
}

function applyCtl(tx: Transaction, c: Ctl): void {
  let ids: ((id: number) => boolean) | null = null;
  switch (c.kind) {
    case 'ruleRemoveById':
    case 'ruleRemoveTargetById':
      ids = (id) => inRanges(id, c.ids);
      break;
    case 'ruleRemoveByTag':
    case 'ruleRemoveTargetByTag': {
      const tagged = idsTagged(tx.program, c, c.tag);
      ids = (id) => tagged.has(id);
      break;
    }
    case 'ruleEngine':
      tx.engine = c.value;
      return;
    case 'ignored':
      return;
  }
  // A rule the configuration decides removed, or a target of one: its trace may not hold from here on.
  if (tx.replay !== null && touchesDecided(tx, c, ids)) tx.replay = null;
  const applies = appliesOf(tx.plan, c, ids);
  if (c.kind === 'ruleRemoveById' || c.kind === 'ruleRemoveByTag') tx.removedMask = union(tx.removedMask, applies);
  else {
    tx.removedTargets.push({ ids, applies, target: c.target, no: ctlNumber(c) });
    tx.trimMask = union(tx.trimMask, applies);
  }
}

const unions = new WeakMap<Uint8Array, WeakMap<Uint8Array, Uint8Array>>();

/**
 * By link number, 1 where either mask has 1: made once per pair (a request applies the same few ctls as the one
 * before it, so the masks of its removals are the same arrays, and so is their union).
 */
function union(a: Uint8Array | null, b: Uint8Array): Uint8Array {
  if (a === null || a === b) return b;
  let byB = unions.get(a);
  if (byB === undefined) unions.set(a, (byB = new WeakMap()));
  let u = byB.get(b);
  if (u === undefined) {
    u = new Uint8Array(a.length);
    for (let k = 0; k < u.length; k++) u[k] = a[k]! | b[k]!;
    byB.set(b, u);
  }
  return u;
}

/**
 * What a rule decided by the configuration did, link by link: the values each link matched (MATCHED_VARS), or
 * null where the chain stopped. Replaying it runs the links' actions again (setvars may read what the request
 * changed, `+%{tx.critical_anomaly_score}`), without evaluating anything.
 */
type Trace = readonly (readonly Hit[] | null)[];

/** Per phase, by rule index, the traces of the rules decided by the configuration, once each has run. */
type Replay = (Trace | undefined)[][];

/**
 * Per replay, by phase and rule index, where the walk goes on after a run of rules that do nothing on any
 * request but match or not and maybe skip (markers, and decided rules with no setvar, ctl, capture, log or
 * disruptive action: CRS's paranoia-level checks that jump to their file's end): the index the loop resumes at,
 * plus one; 0 while not known yet (the rule has not run), -1 for a rule that must be visited. Found from the
 * runs' traces, so a later request crosses the run in one step instead of visiting each rule.
 */
interface Jumps {
  readonly to: Int32Array[];
  /** The MATCHED_VARS the run leaves (its last link that matched), or null when none did. */
  readonly leaves: (readonly Hit[] | null)[][];
}

const jumpsOfReplay = new WeakMap<Replay, Jumps>();

function jumpsOf(replay: Replay): Jumps {
  let j = jumpsOfReplay.get(replay);
  if (j === undefined) {
    j = {
      to: replay.map((phase) => new Int32Array(phase.length)),
      leaves: replay.map((phase) => new Array<readonly Hit[] | null>(phase.length).fill(null)),
    };
    jumpsOfReplay.set(replay, j);
  }
  return j;
}

/** Whether a rule's only effect on a request is whether it matched (and its skip): see Jumps. */
function effectless(rule: Rule): boolean {
  if (rule.log || rule.disruptive === 'deny' || rule.disruptive === 'drop' || rule.disruptive === 'allow') return false;
  for (let l: Rule | null = rule; l !== null; l = l.chained) {
    if (l.setvars.length > 0 || l.ctls.length > 0 || l.capture) return false;
  }
  return true;
}

/**
 * Rule i's own step (see Jumps): the index the walk goes on at, plus one; -1 when it must be visited (a skip
 * backwards too: the loop takes those), 0 when it has not run yet.
 */
function stepOf(program: Program, plan: Plan, traces: readonly (Trace | undefined)[], p: number, i: number): number {
  const rule = program.phases[p]![i]!;
  if (rule.marker !== null) return i + 2;
  if (!plan.decided[p]![i] || !effectless(rule)) return -1;
  const trace = traces[i];
  if (trace === undefined) return 0;
  if (trace.includes(null)) return i + 2;
  const next = rule.skipAfter !== null ? plan.heads[p]![i]!.skipTo + 1 : i + rule.skip + 1;
  return next > i ? next + 1 : -1;
}

/** What a rule's trace leaves as MATCHED_VARS: its last link that matched (a chain may stop after it), or null. */
function lastMatched(trace: Trace | undefined): readonly Hit[] | null {
  let last: readonly Hit[] | null = null;
  for (let k = 0; trace !== undefined && k < trace.length && trace[k] !== null; k++) last = trace[k]!;
  return last;
}

/**
 * Where the walk resumes after rule i of phase p (see Jumps): its step, followed along the run of rules it leads
 * to (in a loop: a rule set may hold long runs of markers) up to a rule that must be visited, one not run yet, or
 * one whose jump is known (joined to it); every rule of the run gets the same resumption. -1 when rule i must be
 * visited, 0 until it has run.
 */
function jumpFrom(
  jumps: Jumps,
  program: Program,
  plan: Plan,
  traces: readonly (Trace | undefined)[],
  p: number,
  i: number,
): number {
  const to = jumps.to[p]!;
  if (to[i] !== 0) return to[i]!;
  const n = program.phases[p]!.length;
  const run: number[] = [];
  const left: (readonly Hit[] | null)[] = [];
  let end = i;
  let after: readonly Hit[] | null = null;
  for (let at = i; ;) {
    if (at >= n) {
      end = at;
      break;
    }
    if (to[at]! > 0) {
      end = to[at]! - 1;
      after = jumps.leaves[p]![at] ?? null;
      break;
    }
    const step = to[at]! < 0 ? -1 : stepOf(program, plan, traces, p, at);
    if (step <= 0) {
      if (step < 0) to[at] = -1;
      end = at;
      break;
    }
    run.push(at);
    left.push(lastMatched(traces[at]));
    at = step - 1;
  }
  // Backwards: what a rule of the run leaves is the last match from it on (the run's end's, else its own).
  for (let k = run.length - 1; k >= 0; k--) {
    after = after ?? left[k]!;
    jumps.leaves[p]![run[k]!] = after;
    to[run[k]!] = end + 1;
  }
  return to[i]!;
}

/** Replays kept per program, and per set of the gateway's exclusions (they change what a rule reads). */
const replays = new WeakMap<Plan, WeakMap<readonly Ctl[], Replay>>();
const NO_CTLS: readonly Ctl[] = Object.freeze([]);
/** A cache that keeps no value (every value is longer than -1): Overrides.memo false. */
const NO_MEMO = new MemoCache(1, -1);

const layouts = new WeakMap<Plan, LayoutCache<View, ValueMemo>>();

/** The layouts of a program's requests, kept as long as its plan (crs/layout.ts). */
function layoutsOf(plan: Plan): LayoutCache<View, ValueMemo> {
  let l = layouts.get(plan);
  if (l === undefined) layouts.set(plan, (l = new LayoutCache<View, ValueMemo>(plan)));
  return l;
}

function replayOf(plan: Plan, ctls: readonly Ctl[]): Replay {
  let byCtls = replays.get(plan);
  if (byCtls === undefined) replays.set(plan, (byCtls = new WeakMap()));
  let r = byCtls.get(ctls);
  if (r === undefined) byCtls.set(ctls, (r = plan.heads.map((h) => new Array<Trace | undefined>(h.length))));
  return r;
}

/** A rule decided by the configuration: its trace replayed, or, the first time, evaluated and traced. */
function replayRule(tx: Transaction, rule: Rule, plan: LinkPlan, traces: (Trace | undefined)[], i: number): boolean {
  const trace = traces[i];
  if (trace === undefined) {
    const record: (readonly Hit[] | null)[] = [];
    const ok = evalRule(tx, rule, plan, record);
    traces[i] = Object.freeze(record);
    return ok;
  }
  let link: Rule | null = rule;
  for (let k = 0; k < trace.length; k++) {
    const hits = trace[k]!;
    if (hits === null) return false;
    // The trace's frozen hits are MATCHED_VARS as they are (nothing made per request).
    for (let j = 0; j < hits.length; j++) actOn(tx, link!, rule, hits[j]!.coll, hits[j]!.value);
    tx.matchedVars = hits;
    link = link!.chained;
  }
  return finish(tx, rule);
}

/** Evaluates a rule and its chain; runs every link's actions when the whole chain matched. */
function evalRule(tx: Transaction, rule: Rule, plan: LinkPlan, record: (readonly Hit[] | null)[] | null): boolean {
  let link: Rule | null = rule;
  let lp: LinkPlan | null = plan;
  while (link !== null && lp !== null) {
    if (!evalLink(tx, link, rule, lp)) {
      record?.push(null);
      return false;
    }
    record?.push(Object.freeze(tx.matchedVars.map((h) => Object.freeze({ coll: h.coll, key: null, value: h.value }))));
    link = link.chained;
    lp = lp.next;
  }
  return finish(tx, rule);
}

/** A rule's whole chain matched: the links' ctls, and the match logged. */
function finish(tx: Transaction, rule: Rule): boolean {
  for (let l: Rule | null = rule; l !== null; l = l.chained) {
    for (let k = 0; k < l.ctls.length; k++) applyCtl(tx, l.ctls[k]!);
  }
  if (rule.log) {
    tx.matches.push({ id: rule.id, variable: tx.matchedVarName, paranoia: rule.paranoia, severity: rule.severity });
  }
  return true;
}

export interface Overrides {
  /** Extra runtime exclusions (the gateway's own `exclusions`), applied before the first rule. */
  readonly ctls?: readonly Ctl[];
  /** false: learn nothing from earlier requests and keep nothing for later ones (crs/memo.ts); default true. */
  readonly memo?: boolean;
}

/**
 * What the rules that open phase 1 left (Plan.leadEnd: decided by the configuration, reading nothing of the
 * request), kept per replay (program and the gateway's exclusions): a later request starts from it, after them.
 */
interface Lead {
  /** Where phase 1 goes on (past the lead, or further when a skipAfter among them jumped). */
  readonly next: number;
  readonly tx: ReadonlyMap<string, string>;
  readonly matches: readonly CrsMatch[];
  readonly matchedVar: string;
  readonly matchedVarName: string;
  readonly matchedVars: readonly Hit[];
}

const leads = new WeakMap<Replay, Lead>();

/** What the lead left in this request, to keep (its loop is at `next`, past the lead). */
function keptLead(tx: Transaction, next: number): Lead {
  return Object.freeze({
    next,
    tx: tx.tx.snapshot(),
    matches: Object.freeze(tx.matches.slice()),
    matchedVar: tx.matchedVar,
    matchedVarName: tx.matchedVarName,
    matchedVars: tx.matchedVars,
  });
}

function resume(tx: Transaction, lead: Lead): number {
  // Read in place under what this request writes, listed (TX:/^header_name_/) in the order the lead wrote it.
  tx.tx = new TxCollection(lead.tx);
  for (const m of lead.matches) tx.matches.push(m);
  tx.matchedVar = lead.matchedVar;
  tx.matchedVarName = lead.matchedVarName;
  tx.matchedVars = lead.matchedVars;
  return lead.next;
}

/** Runs phase 1 then phase 2. Stops at the first deny/drop (engine On) or allow. */
export function evaluate(program: Program, input: CrsInput, over: Overrides = {}): CrsResult {
  bytePool.used = 0;
  const tx = new Transaction(program, input, over.memo === false ? NO_MEMO : null);
  const ctls = over.ctls ?? NO_CTLS;
  for (const c of ctls) applyCtl(tx, c);
  // The gateway's exclusions are the same for every request of a route: traces are kept per set of them.
  const traces = (tx.replay = replayOf(tx.plan, ctls));
  // The lead (what every request runs alike first): kept by the first request that runs it.
  const leadEnd = tx.engine === 'off' ? 0 : tx.plan.leadEnd;
  const lead = leadEnd > 0 ? leads.get(traces) : undefined;
  const from = lead === undefined ? 0 : resume(tx, lead);
  let keepLead = leadEnd > 0 && lead === undefined;
  const jumps = jumpsOf(traces);
  let deniedBy = 0;
  outer: for (let p = 0; p < program.phases.length; p++) {
    const rules = program.phases[p]!;
    const plans = tx.plan.heads[p]!;
    const decided = tx.plan.decided[p]!;
    const jumpTo = jumps.to[p]!;
    for (let i = p === 0 ? from : 0; i < rules.length; i++) {
      if (keepLead && i >= leadEnd) {
        leads.set(traces, keptLead(tx, i));
        keepLead = false;
      }
      if (tx.engine === 'off') break outer;
      const replay = tx.replay;
      // A run of rules that only match or skip, crossed in one step (Jumps); not while the lead is being kept.
      if (replay !== null && !keepLead) {
        const known = jumpTo[i]!;
        const to = known !== 0 ? known : jumpFrom(jumps, program, tx.plan, replay[p]!, p, i);
        if (to > 0) {
          const leaves = jumps.leaves[p]![i]!;
          if (leaves !== null) {
            tx.matchedVar = leaves[leaves.length - 1]!.value;
            tx.matchedVarName = leaves[leaves.length - 1]!.coll;
            tx.matchedVars = leaves;
          }
          i = to - 2;
          continue;
        }
      }
      const rule = rules[i]!;
      const lp = plans[i]!;
      if (rule.marker !== null || tx.removed(lp)) continue;
      if (!(decided[i] && replay !== null ? replayRule(tx, rule, lp, replay[p]!, i) : evalRule(tx, rule, lp, null)))
        continue;
      if (rule.disruptive === 'deny' || rule.disruptive === 'drop') {
        if (tx.engine === 'on') {
          deniedBy = rule.id;
          break outer;
        }
      } else if (rule.disruptive === 'allow') break outer;
      if (rule.skipAfter !== null) i = lp.skipTo;
      else if (rule.skip > 0) i += rule.skip;
    }
  }
  const score = Number.parseInt(tx.tx.get('blocking_inbound_anomaly_score') ?? '0', 10) || 0;
  return { matches: tx.matches, deniedBy, score };
}

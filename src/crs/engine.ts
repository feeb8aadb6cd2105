// Runs a compiled CRS program over one request (phases 1 and 2): variables, transformations, operators, chains,
// setvar and the TX collection, skipAfter/markers, ctl exclusions and the disruptive action that ends it.
import type { CrsInput, Entry } from './input.js';
import { inRanges } from './compile.js';
import type { Ctl, Program, Rule, SetVar, Target } from './rule.js';
import type RE2 from 're2';
import type { Operator } from './operators.js';
import { gatesOf, isOpen, type Gates } from './gates.js';
import { requiredAtoms } from './atoms.js';

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

const NO_TARGET: Hit = Object.freeze({ coll: '', key: null, value: '' });

const SCALAR: Entry = Object.freeze({ key: '', lkey: '', value: '' });

interface RemovedTarget {
  readonly ids: (id: number) => boolean;
  readonly target: Target;
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

function namesOf(entries: readonly Entry[]): Entry[] {
  return entries.map((e) => ({ key: e.key, lkey: e.lkey, value: e.key }));
}

/** One request's evaluation state: the TX collection, matched variables, runtime exclusions. */
class Transaction {
  readonly tx = new Map<string, string>();
  matchedVar = '';
  matchedVarName = '';
  matchedVars: Hit[] = [];
  /** The hits of the link being evaluated (reused: see evalLink). */
  readonly scratch: Hit[] = [];
  engine: 'on' | 'off' | 'detectiononly' = 'on';
  removedIds: ((id: number) => boolean)[] = [];
  removedTargets: RemovedTarget[] = [];
  readonly matches: CrsMatch[] = [];
  private args: Entry[] | null = null;
  private readonly tcache = new Map<readonly unknown[], Map<string, string>>();
  private readonly gates: Gates;
  /** The gates each value seen so far opens (values repeat across rules: one scan each). */
  private readonly opened = new Map<string, number[]>();

  constructor(
    readonly program: Program,
    readonly input: CrsInput,
  ) {
    this.gates = gatesOf(program);
  }

  /** False when the operator cannot match the value: it needs an atom the value does not hold. */
  mayMatch(op: Operator, value: string): boolean {
    const g = this.gates.of(op);
    if (g < 0) return true;
    let o = this.opened.get(value);
    if (o === undefined) this.opened.set(value, (o = this.gates.open(value)));
    return isOpen(o, g);
  }

  argsAll(): Entry[] {
    return (this.args ??= [...this.input.argsGet, ...this.input.argsPost]);
  }

  transformed(rule: Rule, value: string): string {
    const t = rule.transforms;
    if (t.length === 0) return value;
    let cache = this.tcache.get(t);
    if (cache === undefined) this.tcache.set(t, (cache = new Map()));
    let out = cache.get(value);
    if (out === undefined) {
      out = value;
      for (const f of t) out = f(out);
      cache.set(value, out);
    }
    return out;
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
    const i = this.input;
    switch (name) {
      case 'ARGS':
        return this.argsAll();
      case 'ARGS_NAMES':
        return namesOf(this.argsAll());
      case 'ARGS_GET':
        return i.argsGet;
      case 'ARGS_GET_NAMES':
        return namesOf(i.argsGet);
      case 'ARGS_POST':
        return i.argsPost;
      case 'ARGS_POST_NAMES':
        return namesOf(i.argsPost);
      case 'REQUEST_HEADERS':
        return i.headers;
      case 'REQUEST_HEADERS_NAMES':
        return namesOf(i.headers);
      case 'REQUEST_COOKIES':
        return i.cookies;
      case 'REQUEST_COOKIES_NAMES':
        return namesOf(i.cookies);
      case 'TX':
        return [...this.tx].map(([k, v]) => ({ key: k, lkey: k, value: v }));
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
      case 'FILES':
        return i.files;
      case 'FILES_NAMES':
        return namesOf(i.files);
      case 'MULTIPART_PART_HEADERS':
        return i.partHeaders;
      case 'XML':
        return i.xml;
      default:
        return null;
    }
  }

  scalar(name: string): string {
    const i = this.input;
    switch (name) {
      case 'REQUEST_URI':
      case 'REQUEST_URI_RAW':
        return i.uri;
      case 'REQUEST_FILENAME':
        return i.filename;
      case 'REQUEST_BASENAME':
        return i.basename;
      case 'REQUEST_LINE':
        return `${i.method} ${i.uri} ${i.protocol}`;
      case 'REQUEST_METHOD':
        return i.method;
      case 'REQUEST_PROTOCOL':
        return i.protocol;
      case 'QUERY_STRING':
        return i.queryString;
      case 'REQUEST_BODY':
        return i.body;
      case 'REQUEST_BODY_LENGTH':
        return String(i.bodyLength);
      case 'REQBODY_PROCESSOR':
        return i.bodyProcessor;
      case 'REQBODY_ERROR':
        return '0';
      case 'REMOTE_ADDR':
        return i.remoteAddr;
      case 'UNIQUE_ID':
        return i.uniqueId;
      case 'MATCHED_VAR':
        return this.matchedVar;
      case 'MATCHED_VAR_NAME':
        return this.matchedVarName;
      case 'ARGS_COMBINED_SIZE': {
        let n = 0;
        for (const e of this.argsAll()) n += e.key.length + e.value.length;
        return String(n);
      }
      case 'FILES_COMBINED_SIZE':
        return '0';
      default:
        return '';
    }
  }

  /** `%{tx.x}`, `%{MATCHED_VAR}`, `%{REQUEST_HEADERS.host}`, `%{rule.id}` expanded. */
  expand(s: string, rule: Rule): string {
    if (s.indexOf('%{') === -1) return s;
    return s.replace(/%\{([^}]+)\}/g, (_m, ref: string) => {
      const dot = ref.indexOf('.');
      const coll = (dot === -1 ? ref : ref.slice(0, dot)).toUpperCase();
      const key = dot === -1 ? null : ref.slice(dot + 1).toLowerCase();
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
    });
  }

  /** The (name, value) pairs one target yields for a rule, after its exclusions. */
  resolve(rule: Rule, t: Target, out: Hit[]): void {
    if (t.name === 'TX' && t.key !== null) {
      // The common case (TX:blocking_paranoia_level): one lookup, no listing of the collection.
      const v = this.tx.get(t.key);
      if (t.count) out.push({ coll: '&TX', key: null, value: v === undefined ? '0' : '1' });
      else if (v !== undefined) out.push({ coll: 'TX', key: t.key, value: v });
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
    for (const e of c) {
      if (t.key !== null && e.lkey !== t.key) continue;
      if (t.keyRe !== null && !this.keyMatches(t.keyRe, e.key)) continue;
      if (this.excluded(rule, t.name, e)) continue;
      if (t.count) n++;
      else out.push({ coll: t.name, key: e.key, value: e.value });
    }
    if (t.count) out.push({ coll: `&${t.name}`, key: null, value: String(n) });
  }

  private excluded(rule: Rule, name: string, e: Entry): boolean {
    for (const x of rule.excludes) if (this.covers(x, name, e)) return true;
    for (const r of this.removedTargets) if (r.ids(rule.id) && this.covers(r.target, name, e)) return true;
    return false;
  }

  private covers(x: Target, name: string, e: Entry): boolean {
    if (x.name !== name) return false;
    if (x.key !== null) return e.lkey === x.key;
    if (x.keyRe !== null) return this.keyMatches(x.keyRe, e.key);
    return true;
  }

  /** Key regexes (`ARGS:/^id_/`) repeat across rules on the same few keys: each (regex, key) tested once. */
  private readonly keyTests = new Map<RE2, Map<string, boolean>>();

  private keyMatches(re: RE2, key: string): boolean {
    let m = this.keyTests.get(re);
    if (m === undefined) this.keyTests.set(re, (m = new Map()));
    let r = m.get(key);
    if (r === undefined) {
      const atoms = keyAtoms(re);
      r = atoms !== null && !holdsAny(key.toLowerCase(), atoms) ? false : re.test(key);
      m.set(key, r);
    }
    return r;
  }

  removed(rule: Rule): boolean {
    for (const f of this.removedIds) if (f(rule.id)) return true;
    return false;
  }
}

const keyAtomsOf = new WeakMap<RE2, readonly string[] | null>();

/** A key regex's required atoms (crs/atoms.ts), when few enough to look for one by one; else null. */
function keyAtoms(re: RE2): readonly string[] | null {
  let a = keyAtomsOf.get(re);
  if (a === undefined) {
    const req = requiredAtoms(re.source);
    keyAtomsOf.set(re, (a = req !== null && req.length <= 4 ? req : null));
  }
  return a;
}

const holdsAny = (lower: string, atoms: readonly string[]): boolean => atoms.some((a) => lower.includes(a));

/** Whether one value of a link matches (the operator's verdict, negation applied); sets captures. */
function test(tx: Transaction, rule: Rule, v: string, arg: string): boolean {
  const caps = tx.mayMatch(rule.op, v) ? rule.op.match(v, arg, rule.capture) : null;
  const ok = rule.negated ? caps === null : caps !== null;
  if (ok && rule.capture && caps !== null && caps.length > 0) {
    for (let k = 0; k < caps.length; k++) tx.tx.set(String(k), caps[k]!);
  }
  return ok;
}

/** The value of a hit that matched, or null: every transformation stage under multiMatch, else the last. */
function matchingValue(tx: Transaction, rule: Rule, value: string, arg: string): string | null {
  if (!(rule.multiMatch && rule.transforms.length > 0)) {
    const v = tx.transformed(rule, value);
    return test(tx, rule, v, arg) ? v : null;
  }
  let prev = value;
  if (test(tx, rule, prev, arg)) return prev;
  for (const f of rule.transforms) {
    const v = f(prev);
    if (v !== prev && test(tx, rule, v, arg)) return v;
    prev = v;
  }
  return null;
}

/** One link of a rule: true when it matched; the matches become MATCHED_VARS for the next link. */
function evalLink(tx: Transaction, rule: Rule, head: Rule): boolean {
  // One scratch list per transaction: links run one at a time and only read it here.
  const hits = tx.scratch;
  hits.length = 0;
  for (const t of rule.targets) tx.resolve(rule, t, hits);
  if (rule.targets.length === 0) hits.push(NO_TARGET);
  const arg = rule.op.dynamic ? tx.expand(rule.opArg, rule) : rule.opArg;
  let matched: Hit[] | null = null;
  for (const h of hits) {
    const v = matchingValue(tx, rule, h.value, arg);
    if (v === null) continue;
    const name = hitName(h);
    (matched ??= []).push({ coll: name, key: null, value: v });
    tx.matchedVar = v;
    tx.matchedVarName = name;
    // Non-disruptive actions run per matched variable, before the next link reads what they set.
    for (const s of rule.setvars) setVar(tx, head, s);
  }
  if (matched === null) return false;
  tx.matchedVars = matched;
  return true;
}

function setVar(tx: Transaction, rule: Rule, s: SetVar): void {
  const name = tx.expand(s.name, rule).toLowerCase();
  if (s.op === 'delete') {
    tx.tx.delete(name);
    return;
  }
  const value = tx.expand(s.value, rule);
  if (s.op === 'set') tx.tx.set(name, value);
  else {
    const cur = Number.parseInt(tx.tx.get(name) ?? '0', 10) || 0;
    const d = Number.parseInt(value, 10) || 0;
    tx.tx.set(name, String(s.op === 'add' ? cur + d : cur - d));
  }
}

function applyCtl(tx: Transaction, c: Ctl): void {
  switch (c.kind) {
    case 'ruleRemoveById':
      tx.removedIds.push((id) => inRanges(id, c.ids));
      break;
    case 'ruleRemoveByTag': {
      const ids = idsTagged(tx.program, c, c.tag);
      tx.removedIds.push((id) => ids.has(id));
      break;
    }
    case 'ruleRemoveTargetById':
      tx.removedTargets.push({ ids: (id) => inRanges(id, c.ids), target: c.target });
      break;
    case 'ruleRemoveTargetByTag': {
      const ids = idsTagged(tx.program, c, c.tag);
      tx.removedTargets.push({ ids: (id) => ids.has(id), target: c.target });
      break;
    }
    case 'ruleEngine':
      tx.engine = c.value;
      break;
    case 'ignored':
      break;
  }
}

/** Evaluates a rule and its chain; runs every link's actions when the whole chain matched. */
function evalRule(tx: Transaction, rule: Rule): boolean {
  let link: Rule | null = rule;
  while (link !== null) {
    if (!evalLink(tx, link, rule)) return false;
    link = link.chained;
  }
  for (let l: Rule | null = rule; l !== null; l = l.chained) for (const c of l.ctls) applyCtl(tx, c);
  if (rule.log) {
    tx.matches.push({ id: rule.id, variable: tx.matchedVarName, paranoia: rule.paranoia, severity: rule.severity });
  }
  return true;
}

export interface Overrides {
  /** Extra runtime exclusions (the gateway's own `exclusions`), applied before the first rule. */
  readonly ctls?: readonly Ctl[];
}

/** Runs phase 1 then phase 2. Stops at the first deny/drop (engine On) or allow. */
export function evaluate(program: Program, input: CrsInput, over: Overrides = {}): CrsResult {
  const tx = new Transaction(program, input);
  for (const c of over.ctls ?? []) applyCtl(tx, c);
  let deniedBy = 0;
  outer: for (let p = 0; p < program.phases.length; p++) {
    const rules = program.phases[p]!;
    const markers = program.markers[p]!;
    for (let i = 0; i < rules.length; i++) {
      if (tx.engine === 'off') break outer;
      const rule = rules[i]!;
      if (rule.marker !== null || tx.removed(rule)) continue;
      if (!evalRule(tx, rule)) continue;
      if (rule.disruptive === 'deny' || rule.disruptive === 'drop') {
        if (tx.engine === 'on') {
          deniedBy = rule.id;
          break outer;
        }
      } else if (rule.disruptive === 'allow') break outer;
      if (rule.skipAfter !== null) {
        const at = markers.get(rule.skipAfter);
        i = at === undefined ? rules.length : at;
      } else if (rule.skip > 0) i += rule.skip;
    }
  }
  const score = Number.parseInt(tx.tx.get('blocking_inbound_anomaly_score') ?? '0', 10) || 0;
  return { matches: tx.matches, deniedBy, score };
}

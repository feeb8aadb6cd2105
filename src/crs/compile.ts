// Directives -> the frozen rule program: SecRule/SecAction/SecMarker, SecDefaultAction, removals and target
// updates, chains. A rule the engine cannot run is left out and listed with its id and why, never dropped silently.
import { intern } from './intern.js';
import { macrosIn } from './macros.js';
import RE2 from 're2';
import { sharedRe2 } from '../signatures/compile-cache.js';
import type { Directive, SecLangProblem } from './directives.js';
import { parseActions, type RawAction } from './actions.js';
import { parseTargets, type TargetSpec } from './variables.js';
import { compileOperator, UnsupportedOperator } from './operators.js';
import { TRANSFORMS, type Transform } from './transforms.js';
import { KNOWN_VARIABLES } from './input.js';
import type { Ctl, Disruptive, IdRange, Program, Rule, SetVar, Target, Unsupported } from './rule.js';

/** Directives that change nothing the request phases of this engine do; counted and listed by `check`. */
export const IGNORED_DIRECTIVES: ReadonlySet<string> = new Set([
  'seccomponentsignature',
  'secrequestbodyaccess',
  'secresponsebodyaccess',
  'secresponsebodymimetype',
  'secrequestbodylimit',
  'secrequestbodynofileslimit',
  'secrequestbodyinmemorylimit',
  'secrequestbodylimitaction',
  'secresponsebodylimit',
  'secresponsebodylimitaction',
  'secauditengine',
  'secauditlog',
  'secauditlogparts',
  'secauditlogtype',
  'secauditlogformat',
  'secauditlogrelevantstatus',
  'secauditlogstoragedir',
  'secdebuglog',
  'secdebugloglevel',
  'sectmpdir',
  'secdatadir',
  'secuploaddir',
  'secuploadkeepfiles',
  'seccollectiontimeout',
  'secpcrematchlimit',
  'secpcrematchlimitrecursion',
  'secstatusengine',
  'secunicodemapfile',
  'seccookieformat',
  'secargumentseparator',
  'secserversignature',
  'secgeolookupdb',
  'sectmpsaveuploadedfiles',
]);

const DISRUPTIVE = new Set(['pass', 'deny', 'block', 'allow', 'drop', 'redirect']);
/** Actions that only describe a rule or steer logging: no effect on the verdict. */
const METADATA = new Set(['msg', 'logdata', 'severity', 'tag', 'ver', 'rev', 'maturity', 'accuracy', 'status']);
const LOGGING = new Set(['auditlog', 'noauditlog', 'sanitisematched', 'sanitisearg', 'sanitisematchedbytes']);
const IGNORED_CTLS = new Set([
  'auditengine',
  'auditlogparts',
  'forcerequestbodyvariable',
  'requestbodyprocessor',
  'requestbodyaccess',
  'debugloglevel',
  'hashengine',
  'responsebodyaccess',
]);

interface Defaults {
  disruptive: Disruptive;
  log: boolean;
}

type MutableRule = { -readonly [K in keyof Rule]: Rule[K] };

class RuleError extends Error {}

export interface CompileContext {
  /** Reads a data file named by @pmFromFile, relative to the directive's file. */
  readData(fromFile: string, name: string): string;
}

export function parseIdRanges(text: string): IdRange[] | null {
  const out: IdRange[] = [];
  for (const part of text.split(/[\s,]+/)) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return null;
    out.push({ from: Number(m[1]), to: Number(m[2] ?? m[1]) });
  }
  return out;
}

export const inRanges = (id: number, ranges: readonly IdRange[]): boolean =>
  ranges.some((r) => id >= r.from && id <= r.to);

function compileTarget(spec: TargetSpec): Target {
  if (!KNOWN_VARIABLES.has(spec.name)) throw new RuleError(`variable ${spec.name} is not supported`);
  let keyRe: RE2 | null = null;
  if (spec.key !== null && spec.keyIsRegex) {
    try {
      // Shared by source: the engine memoises key tests per regex object within a request.
      keyRe = sharedRe2(spec.key, 'i');
    } catch (e) {
      throw new RuleError(`key regex /${spec.key}/ does not compile: ${(e as Error).message}`);
    }
  }
  return Object.freeze({
    name: spec.name,
    // XML:/* and XML://@* (XPath) select every text node / attribute value: no key to compare.
    key: spec.key === null || spec.keyIsRegex || spec.name === 'XML' ? null : intern(spec.key.toLowerCase()),
    keyRe,
    count: spec.count,
  });
}

/** `ARGS:foo` in a ctl or SecRuleUpdateTarget*: one target, its `!` optional. */
function oneTarget(text: string): Target {
  const { targets, error } = parseTargets(text.replace(/^!/, ''));
  if (error !== null || targets.length !== 1) throw new RuleError(`bad target ${JSON.stringify(text)}`);
  return compileTarget(targets[0]!);
}

function parseSetVar(v: string): SetVar {
  let text = v.trim();
  if (text.startsWith('!')) {
    const [c, ...n] = text.slice(1).split('.');
    const name = intern(n.join('.').toLowerCase());
    return {
      collection: (c ?? '').toLowerCase(),
      name,
      op: 'delete',
      value: '',
      nameMacros: macrosIn(name),
      valueMacros: null,
    };
  }
  let value = '1';
  const eq = text.indexOf('=');
  let op: SetVar['op'] = 'set';
  if (eq !== -1) {
    value = text.slice(eq + 1);
    text = text.slice(0, eq);
    if (value.startsWith('+')) {
      op = 'add';
      value = value.slice(1);
    } else if (value.startsWith('-')) {
      op = 'sub';
      value = value.slice(1);
    }
  }
  const dot = text.indexOf('.');
  if (dot === -1) throw new RuleError(`setvar without a collection: ${v}`);
  const collection = text.slice(0, dot).toLowerCase();
  if (collection !== 'tx') throw new RuleError(`setvar on collection ${collection} is not supported (only tx)`);
  const name = intern(text.slice(dot + 1).toLowerCase());
  return { collection, name, op, value, nameMacros: macrosIn(name), valueMacros: macrosIn(value) };
}

function tagMatcher(t: string): RE2 {
  try {
    return new RE2(t, '');
  } catch {
    return new RE2(t.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'), '');
  }
}

function parseCtl(v: string): Ctl {
  const eq = v.indexOf('=');
  if (eq === -1) throw new RuleError(`ctl without a value: ${v}`);
  const name = v.slice(0, eq).trim().toLowerCase();
  const value = v.slice(eq + 1).trim();
  switch (name) {
    case 'ruleremovebyid': {
      const ids = parseIdRanges(value);
      if (ids === null) throw new RuleError(`ctl:ruleRemoveById: bad id ${value}`);
      return { kind: 'ruleRemoveById', ids };
    }
    case 'ruleremovebytag':
      return { kind: 'ruleRemoveByTag', tag: tagMatcher(value) };
    case 'ruleremovetargetbyid':
    case 'ruleremovetargetbytag': {
      const semi = value.indexOf(';');
      if (semi === -1) throw new RuleError(`ctl:${name} needs rule;target`);
      const target = oneTarget(value.slice(semi + 1));
      if (name === 'ruleremovetargetbytag')
        return { kind: 'ruleRemoveTargetByTag', tag: tagMatcher(value.slice(0, semi)), target };
      const ids = parseIdRanges(value.slice(0, semi));
      if (ids === null) throw new RuleError(`ctl:ruleRemoveTargetById: bad id ${value}`);
      return { kind: 'ruleRemoveTargetById', ids, target };
    }
    case 'ruleengine': {
      const e = value.toLowerCase();
      if (e !== 'on' && e !== 'off' && e !== 'detectiononly') throw new RuleError(`ctl:ruleEngine=${value}`);
      return { kind: 'ruleEngine', value: e };
    }
    default:
      if (IGNORED_CTLS.has(name)) return { kind: 'ignored' };
      throw new RuleError(`ctl:${name} is not supported`);
  }
}

function phaseOf(v: string): number {
  const p = v.toLowerCase();
  if (p === 'request') return 2;
  if (p === 'response') return 4;
  if (p === 'logging') return 5;
  const n = Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new RuleError(`bad phase ${v}`);
  return n;
}

interface Parsed {
  rule: MutableRule;
  chain: boolean;
  /** The rule's own disruptive action, null when it names none (the phase default applies). */
  disruptive: Disruptive | null;
  log: boolean | null;
  phaseSet: boolean;
}

/** Transformation chains by their names: rules with the same `t:` list share one array, and so the per-request cache. */
type Chains = Map<string, readonly Transform[]>;

function applyActions(rule: MutableRule, actions: readonly RawAction[], chains: Chains): Parsed {
  const transforms: Transform[] = [];
  const names: string[] = [];
  const setvars: SetVar[] = [];
  const ctls: Ctl[] = [];
  const tags: string[] = [];
  let chain = false;
  let disruptive: Disruptive | null = null;
  let log: boolean | null = null;
  let phaseSet = false;
  for (const a of actions) {
    const n = a.name;
    if (n === 'id') rule.id = Number(a.value);
    else if (n === 'phase') {
      rule.phase = phaseOf(a.value);
      phaseSet = true;
    } else if (DISRUPTIVE.has(n)) disruptive = n === 'redirect' ? 'deny' : (n as Disruptive);
    else if (n === 'chain') chain = true;
    else if (n === 'capture') rule.capture = true;
    else if (n === 'multimatch') rule.multiMatch = true;
    else if (n === 't') {
      const t = a.value.toLowerCase();
      if (t === 'none') {
        transforms.length = 0;
        names.length = 0;
      } else {
        const f = TRANSFORMS.get(t);
        if (f === undefined) throw new RuleError(`transformation t:${a.value} is not supported`);
        transforms.push(f);
        names.push(t);
      }
    } else if (n === 'setvar') setvars.push(parseSetVar(a.value));
    else if (n === 'ctl') ctls.push(parseCtl(a.value));
    else if (n === 'skipafter') rule.skipAfter = a.value;
    else if (n === 'skip') rule.skip = Number(a.value);
    else if (n === 'log') log = true;
    else if (n === 'nolog') log = false;
    else if (n === 'msg') rule.msg = a.value;
    else if (n === 'severity') rule.severity = a.value;
    else if (n === 'tag') tags.push(a.value);
    else if (METADATA.has(n) || LOGGING.has(n)) continue;
    else throw new RuleError(`action ${n} is not supported`);
  }
  const key = names.join(',');
  let shared = chains.get(key);
  if (shared === undefined) chains.set(key, (shared = Object.freeze(transforms)));
  rule.transforms = shared;
  rule.setvars = Object.freeze(setvars);
  rule.ctls = Object.freeze(ctls);
  rule.tags = Object.freeze(tags);
  for (const t of tags) {
    const m = /^paranoia-level\/(\d)$/.exec(t);
    if (m !== null) rule.paranoia = Number(m[1]);
  }
  return { rule, chain, disruptive, log, phaseSet };
}

const UNCONDITIONAL = compileOperator('unconditionalMatch', '', () => '');

function blankRule(d: Directive): MutableRule {
  return {
    id: 0,
    phase: 2,
    file: d.file,
    line: d.line,
    targets: [],
    excludes: [],
    op: UNCONDITIONAL,
    opArg: '',
    opArgMacros: null,
    negated: false,
    transforms: [],
    multiMatch: false,
    capture: false,
    setvars: [],
    ctls: [],
    skipAfter: null,
    skip: 0,
    disruptive: 'pass',
    log: true,
    msg: '',
    severity: '',
    tags: [],
    paranoia: 0,
    chained: null,
    marker: null,
  };
}

function parseOperator(
  text: string,
  d: Directive,
  ctx: CompileContext,
): Pick<Rule, 'op' | 'opArg' | 'opArgMacros' | 'negated'> {
  let s = text;
  let negated = false;
  if (s.startsWith('!')) {
    negated = true;
    s = s.slice(1);
  }
  let name = 'rx';
  let arg = s;
  if (s.startsWith('@')) {
    const sp = s.search(/\s/);
    name = sp === -1 ? s.slice(1) : s.slice(1, sp);
    arg = sp === -1 ? '' : s.slice(sp + 1);
  }
  try {
    return {
      op: compileOperator(name, arg, (f) => ctx.readData(d.file, f)),
      opArg: arg,
      opArgMacros: macrosIn(arg),
      negated,
    };
  } catch (e) {
    if (e instanceof UnsupportedOperator) throw new RuleError(e.message);
    throw e;
  }
}

function splitTargets(text: string): { targets: Target[]; excludes: Target[] } {
  const { targets: specs, error } = parseTargets(text);
  if (error !== null) throw new RuleError(error);
  const targets: Target[] = [];
  const excludes: Target[] = [];
  for (const s of specs) (s.exclude ? excludes : targets).push(compileTarget(s));
  return { targets, excludes };
}

function freezeRule(r: MutableRule): Rule {
  r.targets = Object.freeze([...r.targets]);
  r.excludes = Object.freeze([...r.excludes]);
  return Object.freeze(r);
}

export interface CompileResult {
  readonly program: Program;
  readonly problems: readonly SecLangProblem[];
}

/** Compiles directives in order (crs-setup first, then rules/*.conf by name). */
export function compileProgram(directives: readonly Directive[], ctx: CompileContext): CompileResult {
  const problems: SecLangProblem[] = [];
  const unsupported: Unsupported[] = [];
  const ignored = new Map<string, number>();
  const defaults = new Map<number, Defaults>();
  const chains: Chains = new Map();
  const top: MutableRule[] = [];
  let responseRules = 0;
  let signature = '';
  /** The rule whose `chain` waits for its next link, and the head of that chain. */
  type Open = { last: MutableRule; head: MutableRule; bad: string | null };
  let open: Open | null = null;

  const defaultsOf = (phase: number): Defaults => defaults.get(phase) ?? { disruptive: 'pass', log: true };
  const problem = (d: Directive, message: string) =>
    problems.push({ file: d.file, line: d.line, col: d.col, message: `${d.name}: ${message}` });
  const byId = (ranges: readonly IdRange[]) => top.filter((r) => r.marker === null && inRanges(r.id, ranges));

  for (const d of directives) {
    const name = d.name.toLowerCase();
    if (name === 'secrule' || name === 'secaction') {
      const isAction = name === 'secaction';
      const want = isAction ? 1 : 2;
      const actionsAt = isAction ? 0 : 2;
      if (d.args.length < want || d.args.length > want + 1) {
        problem(d, `expected ${want} or ${want + 1} arguments, got ${d.args.length}`);
        continue;
      }
      const rule = blankRule(d);
      const parent = open as Open | null;
      open = null;
      let why: string | null = parent?.bad ?? null;
      let parsed: Parsed | null = null;
      try {
        if (!isAction) {
          const t = splitTargets(d.args[0]!);
          rule.targets = t.targets;
          rule.excludes = t.excludes;
          Object.assign(rule, parseOperator(d.args[1]!, d, ctx));
        }
        const text = d.args[actionsAt] ?? '';
        const { actions, error } = parseActions(text);
        if (error !== null) {
          problem(d, error);
          continue;
        }
        parsed = applyActions(rule, actions, chains);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        why ??= e.message;
        // Keep what the actions say (id, chain) to report and to skip the chain's next links.
        const { actions } = parseActions(d.args[actionsAt] ?? '');
        const id = actions.find((a) => a.name === 'id');
        if (id !== undefined) rule.id = Number(id.value);
        const ph = actions.find((a) => a.name === 'phase');
        if (ph !== undefined && /^[1-5]$|^request$|^response$|^logging$/i.test(ph.value))
          rule.phase = phaseOf(ph.value);
        parsed = { rule, chain: actions.some((a) => a.name === 'chain'), disruptive: null, log: null, phaseSet: false };
      }
      if (parent === null) {
        if (!Number.isInteger(rule.id) || rule.id <= 0) {
          problem(d, 'a rule needs an id');
          continue;
        }
        const def = defaultsOf(rule.phase);
        rule.disruptive =
          parsed.disruptive === null || parsed.disruptive === 'block' ? def.disruptive : parsed.disruptive;
        rule.log = parsed.log ?? def.log;
        if (parsed.chain) open = { last: rule, head: rule, bad: why };
        if (rule.phase > 2) {
          if (!parsed.chain) responseRules++;
          else open = { last: rule, head: rule, bad: 'response phase' };
          continue;
        }
        if (why !== null) {
          if (!parsed.chain) unsupported.push({ id: rule.id, where: `${d.file}:${d.line}`, why });
          continue;
        }
        top.push(rule);
      } else {
        rule.phase = parent.head.phase;
        rule.id = parent.head.id;
        if (why === null) parent.last.chained = rule;
        if (parsed.chain) open = { last: rule, head: parent.head, bad: why };
        else if (why !== null) {
          if (why === 'response phase') responseRules++;
          else unsupported.push({ id: parent.head.id, where: `${parent.head.file}:${parent.head.line}`, why });
          // the head was pushed when it parsed; a bad later link takes the whole chain out
          const i = top.indexOf(parent.head);
          if (i !== -1) top.splice(i, 1);
        }
      }
      continue;
    }
    if (open !== null) {
      problem(d, 'a chained rule must be followed by its next SecRule');
      open = null;
    }
    try {
      switch (name) {
        case 'secmarker': {
          const r = blankRule(d);
          r.marker = d.args[0] ?? '';
          top.push(r);
          break;
        }
        case 'secdefaultaction': {
          const { actions, error } = parseActions(d.args[0] ?? '');
          if (error !== null) throw new RuleError(error);
          const phase = actions.find((a) => a.name === 'phase');
          if (phase === undefined) throw new RuleError('SecDefaultAction needs a phase');
          const dis = actions.find((a) => DISRUPTIVE.has(a.name));
          const log = actions.find((a) => a.name === 'log' || a.name === 'nolog');
          for (const a of actions) {
            if (!['phase', 'log', 'nolog', 'auditlog', 'noauditlog', 'tag'].includes(a.name) && !DISRUPTIVE.has(a.name))
              throw new RuleError(`SecDefaultAction with ${a.name} is not supported`);
          }
          defaults.set(phaseOf(phase.value), {
            disruptive: dis === undefined ? 'pass' : dis.name === 'redirect' ? 'deny' : (dis.name as Disruptive),
            log: log === undefined ? true : log.name === 'log',
          });
          break;
        }
        case 'secruleremovebyid': {
          const ids = parseIdRanges(d.args.join(' '));
          if (ids === null) throw new RuleError(`bad id list ${d.args.join(' ')}`);
          for (const r of byId(ids)) top.splice(top.indexOf(r), 1);
          break;
        }
        case 'secruleremovebytag': {
          const re = tagMatcher(d.args[0] ?? '');
          for (const r of top.filter((x) => x.tags.some((t) => re.test(t)))) top.splice(top.indexOf(r), 1);
          break;
        }
        case 'secruleremovebymsg': {
          const re = tagMatcher(d.args[0] ?? '');
          for (const r of top.filter((x) => re.test(x.msg))) top.splice(top.indexOf(r), 1);
          break;
        }
        case 'secruleupdatetargetbyid':
        case 'secruleupdatetargetbytag': {
          const { targets: specs, error } = parseTargets(d.args[1] ?? '');
          if (error !== null) throw new RuleError(error);
          let rules: MutableRule[];
          if (name === 'secruleupdatetargetbyid') {
            const ids = parseIdRanges(d.args[0] ?? '');
            if (ids === null) throw new RuleError(`bad id ${d.args[0]}`);
            rules = byId(ids);
          } else {
            const re = tagMatcher(d.args[0] ?? '');
            rules = top.filter((x) => x.tags.some((t) => re.test(t)));
          }
          for (const r of rules) {
            for (const s of specs) {
              const t = compileTarget(s);
              if (s.exclude) r.excludes = [...r.excludes, t];
              else r.targets = [...r.targets, t];
            }
          }
          break;
        }
        case 'secruleengine': {
          const v = (d.args[0] ?? '').toLowerCase();
          if (v !== 'on' && v !== 'off' && v !== 'detectiononly') throw new RuleError(`bad value ${d.args[0]}`);
          ignored.set(`SecRuleEngine ${v}`, (ignored.get(`SecRuleEngine ${v}`) ?? 0) + 1);
          break;
        }
        default:
          if (name === 'seccomponentsignature') signature = d.args[0] ?? '';
          if (IGNORED_DIRECTIVES.has(name)) ignored.set(d.name, (ignored.get(d.name) ?? 0) + 1);
          else throw new RuleError('directive is not supported');
      }
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      problem(d, e.message);
    }
  }
  if (open !== null) {
    const o: Open = open;
    problems.push({ file: o.head.file, line: o.head.line, col: 1, message: `rule ${o.head.id}: chain never ends` });
  }
  return { program: finish(top, unsupported, ignored, responseRules, signature), problems };
}

function freezeChain(r: MutableRule): Rule {
  if (r.chained !== null) r.chained = freezeChain(r.chained as MutableRule);
  return freezeRule(r);
}

function finish(
  top: readonly MutableRule[],
  unsupported: Unsupported[],
  ignored: Map<string, number>,
  responseRules: number,
  signature: string,
): Program {
  const phases: Rule[][] = [[], []];
  const byParanoia = new Map<number, number>();
  for (const r of top) {
    const rule = freezeChain(r);
    if (rule.marker !== null) {
      // A marker stands in both request phases: skipAfter jumps within the phase it runs in.
      phases[0]!.push(rule);
      phases[1]!.push(rule);
      continue;
    }
    phases[rule.phase - 1]!.push(rule);
    byParanoia.set(rule.paranoia, (byParanoia.get(rule.paranoia) ?? 0) + 1);
  }
  const markers = phases.map((list) => {
    const m = new Map<string, number>();
    list.forEach((r, i) => {
      if (r.marker !== null && !m.has(r.marker)) m.set(r.marker, i);
    });
    return m;
  });
  return Object.freeze({
    phases: Object.freeze(phases.map((p) => Object.freeze(p))),
    markers: Object.freeze(markers),
    unsupported: Object.freeze(unsupported),
    responseRules,
    ignored,
    byParanoia,
    signature,
  });
}

// The signature engine: per route a compiled rule set, per request the segments run through each group's
// prefilter (one RE2 call for a short text; the split prefilter's literal-led parts for a long one), rules
// only on a hit, the positive model on code, and anomaly scoring.
import { CLEAN, Collector, MAX_MATCHES, type InspectResult } from './collector.js';
import { MemoryTable, remember, unseen } from './clean-cache.js';
import { compileRuleSet, KIND, type Group, type RuleSet } from './compile.js';
import type { SignaturesConfig } from './config.js';
import { resolveExclusions } from './exclusions.js';
import { loadAllowlistDefaults } from './allowlist-defaults.js';
import { buildAllowlist, checkPolicy, POLICY_RULES, type Allowlist } from './policy.js';
import { costInput, type RuleSpec } from './rule.js';
import { utf8 } from './bytes.js';
import { splitHits } from './prefilter.js';
import { segmentsOf, type InspectInput, type Segment } from './segments.js';
import { TRANSFORMS } from './transforms/index.js';

export type { InspectInput } from './segments.js';
export { MAX_MATCHES, type InspectResult } from './collector.js';

export const POLICY_IDS: readonly string[] = Object.freeze(Object.values(POLICY_RULES));
const POLICY_SCORE = 100;
const TEX_CHAIN = [TRANSFORMS.get('tex')!];
const TEX_SHOWN_CHAIN = [TRANSFORMS.get('tex_shown')!];

/**
 * Where the split prefilter starts to pay: below this many bytes one pass of the combined prefilter over
 * the text costs less than the split prefilter's several calls (bench/signatures-micro.mjs).
 */
export const SPLIT_FROM = 2048;

/** Knobs for tests and benchmarks (the results never depend on them). */
export interface EngineTuning {
  /** Texts of at least this many bytes take the split prefilter (default SPLIT_FROM; 0: always). */
  readonly splitFrom?: number;
}

export interface RouteProfile {
  readonly name: string | null;
  readonly paranoia: number;
  readonly threshold: number;
  readonly rules: RuleSet;
  readonly byField: ReadonlyMap<string, ReadonlySet<string>>;
  readonly policyOff: ReadonlySet<string>;
  /** Code texts found clean, by tier (the positive model depends on it) and code field. */
  readonly codeMemory: MemoryTable;
  /** Header, path, query and field texts found clean, by target kind and field or header name. */
  readonly webMemory: MemoryTable;
}

const KIND_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [KIND.code]: 'code',
  [KIND.fields]: 'fields',
  [KIND.body]: 'body',
  [KIND.query]: 'query',
  [KIND.path]: 'path',
  [KIND.headers]: 'headers',
});

function applies(kinds: number, names: ReadonlySet<string> | null, seg: Segment): boolean {
  if ((kinds & seg.kind) !== 0) return true;
  return names !== null && (seg.kind === KIND.code || seg.kind === KIND.fields) && names.has(seg.name);
}

const NO_ROUTES: ReadonlySet<string> = new Set();

export class SignatureEngine {
  private readonly profiles = new Map<string, RouteProfile>();
  private readonly fallback: RouteProfile;
  private readonly allowlists = new Map<string, Allowlist>();
  private readonly defaultAllowlist: Allowlist;
  private readonly skipHeaders: ReadonlySet<string>;
  private readonly maxChars: number;
  /** The `tex` transform the positive model reads: the rules' own (shown text left out with shown_text). */
  private readonly texChain: typeof TEX_CHAIN;
  /** Texts of at least this many UTF-8 bytes take the split prefilter (see candidates). */
  private readonly splitFrom: number;
  /** State of the inspection under way (inspect is synchronous: one at a time). */
  private current: Collector | null = null;
  private exhaustive = false;

  constructor(
    readonly rules: readonly RuleSpec[],
    readonly config: SignaturesConfig,
    routeNames: readonly string[],
    tuning: EngineTuning = {},
    /** Routes whose cost check enforces: their cost-input rules score as LOW (rule.ts, costInput). */
    costRoutes: ReadonlySet<string> = NO_ROUTES,
  ) {
    this.splitFrom = tuning.splitFrom ?? SPLIT_FROM;
    this.texChain = config.shown_text ? TEX_SHOWN_CHAIN : TEX_CHAIN;
    const names = new Set([
      ...routeNames,
      ...Object.keys(config.routes),
      ...config.exclusions.flatMap((e) => e.routes),
    ]);
    let costSpecs: readonly RuleSpec[] | null = null;
    const build = (name: string | null): RouteProfile => {
      const settings = name === null ? undefined : config.routes[name];
      const specs = name !== null && costRoutes.has(name) ? (costSpecs ??= rules.map(costInput)) : rules;
      const paranoia = settings?.paranoia ?? config.paranoia;
      const ex = resolveExclusions(config.exclusions, name, rules, POLICY_IDS);
      return Object.freeze({
        name,
        paranoia,
        threshold: settings?.anomaly_threshold ?? config.anomaly_threshold,
        rules: compileRuleSet(specs, paranoia, ex.disabled, config.shown_text),
        byField: ex.byField,
        policyOff: new Set(POLICY_IDS.filter((id) => ex.disabled.has(id))),
        codeMemory: new MemoryTable(64, config.clean_cache_entries, config.clean_cache_chars),
        webMemory: new MemoryTable(128, Math.min(config.clean_cache_entries, 1024), 65_536),
      });
    };
    this.fallback = build(null);
    for (const n of names) this.profiles.set(n, build(n));
    const defaults = loadAllowlistDefaults();
    for (const [tier, cfg] of Object.entries(config.allowlists))
      this.allowlists.set(tier, buildAllowlist(cfg, defaults));
    this.defaultAllowlist = buildAllowlist(undefined, defaults);
    this.skipHeaders = new Set(config.skip_headers.map((h) => h.toLowerCase()));
    this.maxChars = config.max_value_chars;
  }

  profile(route: string | null): RouteProfile {
    return (route === null ? undefined : this.profiles.get(route)) ?? this.fallback;
  }

  allowlist(tier: string): Allowlist {
    return this.allowlists.get(tier) ?? this.defaultAllowlist;
  }

  /**
   * Inspects one request. Stops at the first CRITICAL enforce match (the request is refused anyway; a
   * prefilter hit cannot make every rule scan a large text), unless `exhaustive` (explain) asks for all.
   */
  inspect(input: InspectInput, exhaustive = false): InspectResult {
    this.exhaustive = exhaustive;
    this.current = null;
    const profile = this.profile(input.route);
    const rs = profile.rules;
    // Web values the memory knows clean get no segment (segmentsOf asks it).
    const webMemory = profile.webMemory.enabled ? profile.webMemory : null;
    const segs = segmentsOf(input, this.skipHeaders, rs.body.length > 0, webMemory);
    this.checkLengths(segs.code, profile);
    this.checkLengths(segs.web, profile);
    this.checkLengths(segs.body, profile);
    if (segs.code.length > 0) {
      const tier = input.tier;
      const memory = profile.codeMemory.enabled ? profile.codeMemory : null;
      const todo = memory !== null ? unseen(segs.code, memory, tier) : segs.code;
      if (todo.length > 0) {
        for (const g of rs.code) this.runGroup(g, todo, profile);
        this.runPolicy(todo, profile, this.allowlist(tier));
        if (memory !== null && !this.cutShort()) remember(todo, memory, tier);
      }
    }
    if (segs.web.length > 0) {
      for (const g of rs.web) this.runGroup(g, segs.web, profile);
      if (webMemory !== null && !this.cutShort()) remember(segs.web, webMemory, null);
    }
    for (const g of rs.body) this.runGroup(g, segs.body, profile);
    const col = this.current as Collector | null;
    this.current = null;
    if (col === null) return CLEAN;
    return {
      matches: col.matches,
      score: col.score,
      reasons: col.reasons,
      monitorReasons: col.monitorReasons,
      critical: col.critical,
      threshold: profile.threshold,
      deny: col.critical || (col.reasons.length > 0 && col.score >= profile.threshold),
      policy: col.policy,
    };
  }

  /**
   * True once a CRITICAL enforce match has stopped the inspection early: the texts not yet matched may not
   * have met every rule, so none of this request's texts may be remembered as clean (else a refused request
   * would teach the memory a dangerous header or field as clean).
   */
  private cutShort(): boolean {
    return !this.exhaustive && this.current?.critical === true;
  }

  /** The collector of the inspection under way, made at its first match. */
  private sink(): Collector {
    return (this.current ??= new Collector());
  }

  /** Values too long to inspect are refused rather than skipped (fail closed). */
  private checkLengths(segs: readonly Segment[], profile: RouteProfile): void {
    for (const seg of segs) {
      if (seg.value.length > this.maxChars) {
        this.sink().add(
          'limit.too-long',
          profile.threshold,
          'HIGH',
          'low', // an oversized value is refused for safety, not as evidence of an attack
          true,
          false,
          seg,
          this.maxChars,
          KIND_NAMES[seg.kind]!,
        );
      }
    }
  }

  /**
   * Which rules of the group may match a text: null none, true all, else their indices. Short texts take
   * the group's combined prefilter (one RE2 call); long ones its split prefilter, whose parts RE2 skips
   * through at memory speed instead of reading every byte.
   */
  private candidates(g: Group, text: string, buf: Buffer): readonly number[] | true | null {
    if (buf.length < this.splitFrom) return g.prefilter.test(buf) ? true : null;
    return splitHits(g.split, text, buf);
  }

  private runGroup(g: Group, segs: readonly Segment[], profile: RouteProfile): void {
    // A joinable group runs its prefilter once over all texts joined by its separator; only on a hit is
    // each text tested on its own, and the group's rules that may match run on the texts that hit.
    if (g.joinable) {
      let first: string | null = null;
      let firstSeg: Segment | null = null;
      let many: string[] | null = null;
      for (const seg of segs) {
        if (!applies(g.kinds, g.fieldNames, seg)) continue;
        const t = seg.text(g.chainKey, g.chain, false, g.trigger);
        if (first === null) {
          first = t;
          firstSeg = seg;
        } else (many ??= [first]).push(t);
        if (!g.decodesUrl && seg.view !== null) (many ??= [first]).push(seg.text(g.chainKey, g.chain, true, g.trigger));
      }
      if (first === null) return;
      const all = many === null ? first : many.join(g.separator);
      const buf = utf8(all);
      const hits = this.candidates(g, all, buf);
      if (hits === null) return;
      if (many === null) return this.runRules(g, firstSeg!, buf, hits, profile);
    }
    for (const seg of segs) {
      if (!applies(g.kinds, g.fieldNames, seg)) continue;
      this.runText(g, seg, false, profile);
      if (!g.decodesUrl && seg.view !== null) this.runText(g, seg, true, profile);
    }
  }

  private runText(g: Group, seg: Segment, decoded: boolean, profile: RouteProfile): void {
    if (seg.raw !== null && !decoded && g.chain.length === 0) {
      const hits = this.candidates(g, seg.value, seg.raw);
      if (hits !== null) this.runRules(g, seg, seg.raw, hits, profile);
      return;
    }
    const text = seg.text(g.chainKey, g.chain, decoded, g.trigger);
    const buf = utf8(text);
    const hits = this.candidates(g, text, buf);
    if (hits !== null) this.runRules(g, seg, buf, hits, profile);
  }

  /** Runs the group's rules (those in `hits`, or all) on one text. Offsets are UTF-8 byte offsets. */
  private runRules(g: Group, seg: Segment, text: Buffer, hits: readonly number[] | true, profile: RouteProfile): void {
    const rules = g.rules;
    const n = hits === true ? rules.length : hits.length;
    for (let k = 0; k < n; k++) {
      const r = rules[hits === true ? k : hits[k]!]!;
      if (!this.exhaustive && this.current?.critical === true) return;
      if (!applies(r.kinds, r.fieldNames, seg)) continue;
      const off = profile.byField.get(r.spec.id);
      if (off !== undefined && off.has(seg.name)) continue;
      r.re.lastIndex = 0;
      const m = r.re.exec(text);
      if (m === null) continue;
      this.sink().add(
        r.spec.id,
        r.spec.score,
        r.spec.severity,
        r.spec.confidence,
        r.critical,
        r.monitor,
        seg,
        m.index,
        KIND_NAMES[seg.kind]!,
      );
    }
  }

  private runPolicy(segs: readonly Segment[], profile: RouteProfile, allow: Allowlist): void {
    for (const seg of segs) {
      for (let v = seg.view === null ? 1 : 2, decoded = false; v > 0; v--, decoded = true) {
        const hits = checkPolicy(seg.text('tex', this.texChain, decoded), allow);
        for (const h of hits) {
          if (profile.policyOff.has(h.rule)) continue;
          const off = profile.byField.get(h.rule);
          if (off !== undefined && off.has(seg.name)) continue;
          const col = this.sink();
          if (col.policy.length < MAX_MATCHES) col.policy.push({ rule: h.rule, name: h.name, offset: h.offset });
          col.add(h.rule, POLICY_SCORE, 'CRITICAL', 'policy', true, false, seg, h.offset, 'code');
        }
      }
    }
  }
}

// The behaviour engine: per request, one store read (the client's and the source's records), the detectors, and
// the view trust reads; after the answer, the record updated with what the compile service said.
import type { BehaviourView } from '../core/behaviour.js';
import type { RequestContext } from '../core/context.js';
import { HEADER_OUTCOMES, type CompileOutcomeName } from '../core/compile.js';
import type { Store } from '../store/store.js';
import type { BehaviourConfig } from './config.js';
import { detect, clientRate, type DetectorInput } from './detectors.js';
import { MAX_PACKAGES, packageId, requestFeatures, type RequestFeatures } from './features.js';
import { addressPrefix, clientKey, type PrefixBits } from './keys.js';
import type { Population } from './robust.js';
import { behaviourVector, type BehaviourModel } from './model.js';
import { BEHAVIOUR_READ, BEHAVIOUR_UPDATE, clientArgs, parseSource, SOURCE_UPDATE } from './scripts.js';
import { decayTo, parseClient, type ClientEvent, type ClientState, type UpdateParams } from './state.js';

/** Address prefixes kept per source: enough to tell "many" (min_addresses is at most this). */
export const MAX_SOURCE_PREFIXES = 64;
/** Weight of the EWMAs (complexity, sizes): about the last ten requests. */
const ALPHA = 0.2;
const NO_FIELDS: readonly never[] = Object.freeze([]);
const DEFAULT_SOURCE_KEY = 'portcullis behaviour source v1';

/** What the request phase leaves for the log phase (ctx.scratch). */
export interface Pending {
  readonly key: string;
  readonly prefix: string;
  readonly features: RequestFeatures;
}

export interface Assessment {
  readonly view: BehaviourView;
  /** The decayed record the detectors saw (null: new, or unknown because the store failed). */
  readonly client: ClientState | null;
}

const unscoredView = (reason: string): BehaviourView =>
  Object.freeze({ scored: false, unscored: reason, anomalies: Object.freeze([]), model: null });
export const STORE_UNAVAILABLE = unscoredView('store_unavailable');
const SERVICE_OUTCOMES: ReadonlySet<CompileOutcomeName> = new Set(HEADER_OUTCOMES);

export class BehaviourEngine {
  readonly bits: PrefixBits;
  readonly params: UpdateParams;
  private readonly sourceKey: string;
  /** On a Cluster a script's keys must share a slot: a client's and a source's records are read apart. */
  private readonly split: boolean;

  constructor(
    readonly cfg: BehaviourConfig,
    private readonly store: Store,
    private readonly population: Population,
    private readonly model: BehaviourModel | null = null,
  ) {
    this.bits = Object.freeze({ v4: cfg.ipv4_prefix, v6: cfg.ipv6_prefix });
    this.params = Object.freeze({
      rateHalfMs: cfg.rate_half_life_s * 1000,
      halfMs: cfg.half_life_s * 1000,
      ttlMs: Math.max(cfg.ttl_s, cfg.half_life_s) * 1000,
      alpha: ALPHA,
      maxPackages: MAX_PACKAGES,
    });
    this.sourceKey = cfg.source_key ?? DEFAULT_SOURCE_KEY;
    this.split = store.kind === 'redis-cluster';
  }

  /** The request's client key, prefix id and features (kept for the log phase). */
  pending(ctx: RequestContext): Pending {
    const prefix = addressPrefix(ctx.clientIp, this.bits);
    const features = requestFeatures(ctx.decoded?.fields ?? NO_FIELDS, ctx.body?.length ?? 0, this.sourceKey);
    return { key: clientKey(ctx, prefix), prefix: packageId(prefix), features };
  }

  /** One store call (two on a Cluster): the client's record and the source's. Throws or rejects when the store fails. */
  read(p: Pending): string[] | Promise<string[]> {
    const keys = [`bh:c:${p.key}`];
    if (p.features.source !== null) keys.push(`bh:s:${p.features.source}`);
    if (!this.split || keys.length === 1) return this.store.run(BEHAVIOUR_READ, keys, NO_FIELDS);
    const both = keys.map((k) => this.store.run(BEHAVIOUR_READ, [k], NO_FIELDS));
    return Promise.all(both).then((r) => r.map((x) => x[0] ?? ''));
  }

  /** The detectors over what was read; the population learns from this client afterwards. */
  assess(ctx: RequestContext, p: Pending, raw: readonly string[]): Assessment {
    const now = this.store.clock.now();
    const stored = parseClient(raw[0] ?? null);
    const client = stored === null ? null : decayTo(stored, now, this.params);
    const source = raw[1] === undefined || raw[1] === '' ? null : parseSource(raw[1]);
    const group = `${ctx.route?.name ?? ''}|${ctx.identity.tier}`;
    const samples = this.population.group(group);
    const rateSample = samples?.rate ?? null;
    const errSample = samples?.errorRatio ?? null;
    const warm = this.cfg.population_min;
    const input: DetectorInput = {
      now,
      client,
      features: p.features,
      source,
      prefix: p.prefix,
      rate: rateSample !== null && rateSample.count >= warm ? rateSample.summary() : null,
      errorRatio: errSample !== null && errSample.count >= warm ? errSample.summary() : null,
    };
    const anomalies = detect(input, this.cfg);
    let model: number | null = null;
    if (client !== null) {
      const rps = clientRate(client, now, this.params.rateHalfMs, this.cfg.detectors.rapid_fire.window_s * 1000);
      rateSample?.add(rps);
      if (client.compiles >= 1) errSample?.add(Math.min(1, client.texErrors / client.compiles));
      if (this.model !== null) {
        const v = behaviourVector(client, rps);
        model = this.model.score(v);
        this.model.observe(v);
      }
    }
    const unscored = client === null ? 'new_client' : client.events < this.cfg.min_events ? 'warmup' : '';
    const view: BehaviourView = Object.freeze({
      scored: unscored === '',
      unscored,
      anomalies: Object.freeze(anomalies),
      model,
    });
    return { view, client };
  }

  /** Milliseconds until a client's exhaustion weight decays below the refusal confidence (for Retry-After). */
  exhaustionWait(weight: number): number {
    const target = Math.log(1 - this.cfg.refuse_confidence) / Math.log(0.45);
    if (!(weight > target) || target <= 0) return 1000;
    return Math.ceil(this.params.halfMs * Math.log2(weight / target));
  }

  /** What the finished request adds to the client's record (the compile service's outcome, or a refusal). */
  eventOf(ctx: RequestContext, features: RequestFeatures | null): ClientEvent {
    const d = this.cfg.detectors.resource_exhaustion;
    const c = ctx.compile;
    // Only the compile service's own outcomes count; the gateway's refusals count once, as history.
    const counted = c !== null && SERVICE_OUTCOMES.has(c.outcome);
    let exhaustion = 0;
    if (counted) {
      if (c.outcome === 'timeout' || c.outcome === 'memory') exhaustion = 1;
      else if (c.outcome === 'too_large' || c.wallMs >= d.slow_ms || ctx.bytesOut >= d.large_output_bytes)
        exhaustion = 0.5;
    }
    const refused = ctx.refusal !== null && ctx.refusal.decision !== 'error' && ctx.upstreamSent === 0;
    let rules = 0;
    if (ctx.matches.length !== 0) rules = new Set(ctx.matches.map((m) => m.rule)).size;
    return {
      compile: counted ? 1 : 0,
      texError: counted && c.outcome === 'tex_error' ? 1 : 0,
      exhaustion,
      complexity: features?.complexity ?? -1,
      size: features?.size ?? ctx.body?.length ?? 0,
      output: counted ? ctx.bytesOut : -1,
      // a near miss: rules matched and the request still went through
      nearMisses: rules !== 0 && ctx.refusal === null ? 1 : 0,
      rules,
      refused: refused ? 1 : 0,
      packages: features?.packages ?? NO_FIELDS,
    };
  }

  /** The log phase's writes: the client's record, and the source's when the request carried code (one call). */
  update(ctx: RequestContext, p: Pending, features: RequestFeatures | null): Promise<unknown> | null {
    const args = clientArgs(this.eventOf(ctx, features), this.params);
    const client = `bh:c:${p.key}`;
    const src = features?.source ?? null;
    if (src === null) {
      const a = this.store.run(BEHAVIOUR_UPDATE, [client], args);
      return a instanceof Promise ? a : null;
    }
    const c = ctx.compile;
    const timedOut = c !== null && (c.outcome === 'timeout' || c.outcome === 'memory') ? 1 : 0;
    const srcArgs = [this.cfg.detectors.shared_source.ttl_s * 1000, p.prefix, timedOut, MAX_SOURCE_PREFIXES];
    if (!this.split) {
      const both = this.store.run(BEHAVIOUR_UPDATE, [client, `bh:s:${src}`], [...args, ...srcArgs]);
      return both instanceof Promise ? both : null;
    }
    return Promise.all([
      this.store.run(BEHAVIOUR_UPDATE, [client], args),
      this.store.run(SOURCE_UPDATE, [`bh:s:${src}`], srcArgs),
    ]);
  }
}

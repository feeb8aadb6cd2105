// The behaviour check (module `behaviour`): body phase, after signatures and before trust. One store read per
// request sets ctx.behaviour for trust; only shared_source (a source seen timing out) and resource_exhaustion may
// refuse on their own, in enforce mode and at `refuse_confidence`. The record is updated in the log phase.
import type { Anomaly } from '../core/behaviour.js';
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import type { BehaviourConfig } from '../behaviour/config.js';
import { BehaviourEngine, STORE_UNAVAILABLE, type Pending } from '../behaviour/engine.js';
import { Population } from '../behaviour/robust.js';
import { BehaviourModel } from '../behaviour/model.js';
import type { DetectorName } from '../behaviour/detectors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { CheckDeps } from './deps.js';

const SCRATCH = 'behaviour';

/** Whether a finding may refuse on its own: resource exhaustion, or a source that timed out before. */
function refusable(a: Anomaly, cfg: BehaviourConfig): boolean {
  if (a.confidence < cfg.refuse_confidence) return false;
  if (a.detector === 'resource_exhaustion') return true;
  return a.detector === 'shared_source' && Number(a.evidence.timeouts) >= 1;
}

export function behaviourCheck(
  cfg: BehaviourConfig,
  store: Store,
  population: Population,
  log: Logger,
  model: BehaviourModel | null = null,
): Check {
  const engine = new BehaviourEngine(cfg, store, population, model);
  const mode = cfg.mode === 'off' ? 'monitor' : cfg.mode;

  /** The first finding that refuses (detector in enforce) ends the request; monitor detectors record theirs. */
  const verdictOf = (ctx: RequestContext, anomalies: readonly Anomaly[], weight: number): Verdict => {
    for (const a of anomalies) {
      if (!refusable(a, cfg)) continue;
      const code = `behaviour:${a.detector}`;
      if (cfg.detectors[a.detector as DetectorName].mode !== 'enforce') {
        ctx.monitorHits.push(code);
        continue;
      }
      if (a.detector === 'shared_source') return { kind: 'deny', status: 403, reasons: [code] };
      const wait = Math.max(1, Math.ceil(engine.exhaustionWait(weight) / 1000));
      return { kind: 'limit', status: 429, reasons: [code], headers: { 'retry-after': String(wait) } };
    }
    return PASS;
  };

  const judge = (ctx: RequestContext, p: Pending, raw: readonly string[]): Verdict => {
    const { view, client } = engine.assess(ctx, p, raw);
    ctx.behaviour = view;
    return view.anomalies.length === 0 ? PASS : verdictOf(ctx, view.anomalies, client?.exhaustion ?? 0);
  };
  // The store failing never refuses: the behaviour term is unscored and the rest of the checks decide.
  const unavailable = (ctx: RequestContext): Verdict => {
    ctx.behaviour = STORE_UNAVAILABLE;
    return PASS;
  };
  const failed = (err: unknown): void => log.debug({ err }, 'behaviour: updating the record failed');

  return Object.freeze({
    name: 'behaviour',
    phase: 'body',
    mode,
    run(ctx: RequestContext): Verdict | Promise<Verdict> {
      if (ctx.listed !== '' || ctx.route === null) return PASS;
      const p = engine.pending(ctx);
      ctx.scratch.set(SCRATCH, p);
      let raw: string[] | Promise<string[]>;
      try {
        raw = engine.read(p);
      } catch {
        return unavailable(ctx);
      }
      if (!(raw instanceof Promise)) return judge(ctx, p, raw);
      return raw.then(
        (r) => judge(ctx, p, r),
        () => unavailable(ctx),
      );
    },
    onComplete(ctx: RequestContext): void {
      if (ctx.listed !== '' || ctx.route === null || ctx.clientIp === '') return;
      const seen = ctx.scratch.get(SCRATCH) as Pending | undefined;
      // Refused before this check ran (rate, identity, signatures): counted once, as history, without content.
      if (seen === undefined && ctx.refusal === null) return;
      const p = seen ?? engine.pending(ctx);
      try {
        const done = engine.update(ctx, p, seen === undefined ? null : p.features);
        if (done !== null) done.catch(failed);
      } catch (err) {
        failed(err);
      }
    },
  } satisfies Check);
}

export function buildBehaviourCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.checks.behaviour;
  if (c.mode === 'off') return null;
  const population = deps.resources.get(
    `behaviour:population:${c.population_sample}`,
    () => new Population(c.population_sample),
  );
  // The model outlives reloads (its sample and forest); trained on its own timer, never on the request path.
  const m = c.model;
  const model =
    m.mode === 'off'
      ? null
      : deps.resources.get(
          `behaviour:model:${m.trees}:${m.sample}:${m.refresh_s}`,
          () => new BehaviourModel({ trees: m.trees, sample: m.sample, refreshS: m.refresh_s }),
        );
  return behaviourCheck(c, deps.store, population, deps.log, model);
}

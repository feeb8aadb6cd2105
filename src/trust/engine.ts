// The trust engine: the components built once from the configuration, the store read batched into one call,
// the terms, the score and the decision for a request. Deterministic: same context and state, same result.
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { Resources } from '../core/resources.js';
import type { TrustResult, TrustTerm } from '../core/trust.js';
import type { GatewayConfig } from '../config/schema.js';
import { ipv6Hextets, ipv6Prefix } from '../net/prefix.js';
import { StoreError } from '../store/errors.js';
import { isPromise, type Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { behaviourComponent, modelComponent } from './behaviour.js';
import type { ComponentName, TrustConfig } from './config.js';
import { contentComponent } from './content.js';
import { fingerprint } from './fingerprint.js';
import { trustGeo } from './geo.js';
import { geographyComponent } from './geography.js';
import { identityComponent } from './identity.js';
import { networkComponent } from './network.js';
import { protocolComponent } from './protocol.js';
import { HISTORY_ADD, HISTORY_READ, TRUST_READ, type TrustRead } from './scripts.js';
import { deviceComponent, historyComponent, type StoreState } from './stateful.js';
import { decide, scoreOf, type Thresholds, type Weighting } from './term.js';

export interface TrustEngineDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly resources: Resources;
  readonly log: Logger;
}

export interface TrustEngine {
  readonly mode: 'enforce' | 'monitor';
  /** The result for a request (a promise only when the store answers asynchronously). */
  evaluate(ctx: RequestContext): TrustResult | Promise<TrustResult>;
  /** Log phase: a refusal or a failed compile is remembered in the client's history. */
  record(ctx: RequestContext): void;
}

/** What a compile outcome adds to the client's history: the upstream's failures, never the gateway's refusals. */
const NO_ARGS: readonly (string | number)[] = Object.freeze([]);
const OUTCOME_WEIGHT: Readonly<Record<string, number>> = Object.freeze({ tex_error: 0.5, timeout: 1, memory: 1 });

/**
 * Whom a record is about: the user when known, else the client address, an IPv6 one by its /64 (a subscriber
 * holds a whole /64 and could rotate through it). Hash-tagged: one Cluster slot per client.
 */
function subjectKey(ctx: RequestContext): string {
  const u = ctx.identity.user;
  if (u !== null) return `trust:{u:${u}}`;
  const ip = ctx.clientIp;
  if (ip.includes(':')) {
    const words = ipv6Hextets(ip);
    if (words !== null) return `trust:{ip:${ipv6Prefix(words, 64)}}`;
  }
  return `trust:{ip:${ip}}`;
}

function overrideResult(override: 'allow_list' | 'bypass', mode: 'enforce' | 'monitor'): TrustResult {
  return Object.freeze({ score: 100, decision: 'allow', override, terms: Object.freeze([]), mode, event: false });
}

export function buildTrustEngine(config: GatewayConfig, deps: TrustEngineDeps): TrustEngine | null {
  const c: TrustConfig = config.trust;
  if (c.mode === 'off') return null;
  const mode = c.mode;
  const cc = c.components;
  const w = (name: ComponentName): Weighting =>
    Object.freeze({ component: name, weight: cc[name].weight, cap: cc[name].cap });
  const on = (name: ComponentName) => cc[name].weight > 0;

  const geoCfg = config.geo;
  const geographyWanted =
    on('geography') && (Object.keys(cc.geography.country_risk).length !== 0 || cc.geography.default_risk > 0);
  const geo = trustGeo(
    geoCfg,
    {
      country: geographyWanted,
      asn: on('network') && cc.network.hosting_asns.length !== 0,
      anonymous: on('network'),
    },
    deps.resources,
    deps.log,
  );
  const answer = geo === null ? null : (ip: string) => geo.answer(ip);

  const identity = on('identity') ? identityComponent(w('identity'), config.rate_limits.suspicious_tier) : null;
  const network = on('network')
    ? networkComponent(w('network'), {
        feeds: config.reputation.mode !== 'off' && config.reputation.feeds.length !== 0,
        geo: geo?.sources.asn != null || geo?.sources.anonymous != null ? answer : null,
        hostingAsns: new Set(cc.network.hosting_asns),
      })
    : null;
  const geography = on('geography')
    ? geographyComponent(w('geography'), {
        countryRisk: cc.geography.country_risk,
        defaultRisk: cc.geography.default_risk,
        geo: geo?.sources.country != null ? answer : null,
      })
    : null;
  const behaviour = on('behaviour') ? behaviourComponent(w('behaviour')) : null;
  const model = on('model') ? modelComponent(w('model')) : null;
  const rulesOn = config.checks.signatures.mode !== 'off' || config.checks.crs.mode !== 'off';
  const content = on('content') ? contentComponent(w('content'), rulesOn) : null;
  const protocol = on('protocol') ? protocolComponent(w('protocol')) : null;
  const device = on('device') ? deviceComponent(w('device')) : null;
  const history = on('history')
    ? historyComponent(w('history'), {
        halfLifeMs: cc.history.half_life_s * 1000,
        saturation: cc.history.saturation,
      })
    : null;
  const needStore = device !== null || history !== null;
  const deviceArgs = [cc.device.max_devices, cc.device.ttl_s * 1000] as const;
  const historyTtlMs = cc.history.half_life_s * 1000 * 8; // after eight half-lives a record is under 0.4% of itself
  const historyArgs = [cc.history.half_life_s * 1000] as const;

  const thresholds = new Map<string, Thresholds>();
  const base: Thresholds = Object.freeze({ allowAt: c.allow_at, denyBelow: c.deny_below });
  for (const [name, t] of Object.entries(c.routes)) {
    thresholds.set(name, Object.freeze({ allowAt: t.allow_at ?? c.allow_at, denyBelow: t.deny_below ?? c.deny_below }));
  }
  const allowList = overrideResult('allow_list', mode);
  const bypass = overrideResult('bypass', mode);
  const all = c.events === 'all';
  const { store, clock } = deps;

  const finish = (ctx: RequestContext, s: StoreState, fp: string): TrustResult => {
    const terms: TrustTerm[] = [];
    if (identity !== null) terms.push(identity(ctx));
    if (device !== null) terms.push(device(ctx, s, fp));
    if (network !== null) terms.push(network(ctx));
    if (geography !== null) terms.push(geography(ctx));
    if (behaviour !== null) terms.push(behaviour(ctx));
    if (model !== null) terms.push(model(ctx));
    if (content !== null) terms.push(content(ctx));
    if (protocol !== null) terms.push(protocol(ctx));
    if (history !== null) terms.push(history(s, clock.now()));
    const score = scoreOf(terms);
    const decision = decide(score, (ctx.route !== null ? thresholds.get(ctx.route.name) : undefined) ?? base);
    return { score, decision, override: '', terms, mode, event: all || decision !== 'allow' };
  };
  const unavailable = (err: unknown): null => {
    if (err instanceof StoreError && err.unavailable) return null;
    throw err;
  };

  return {
    mode,
    evaluate(ctx) {
      // the operator's word beats every component: allow list, then bypass (which skips the checks altogether)
      if (ctx.listed === 'allow') return allowList;
      if (ctx.listed === 'bypass') return bypass;
      if (!needStore) return finish(ctx, null, '');
      const subject = subjectKey(ctx);
      const fp = device !== null && ctx.identity.user !== null ? fingerprint(ctx.headers) : '';
      let read: TrustRead | Promise<TrustRead>;
      try {
        // with no device to record the read writes nothing: a plain read (a multi-get on Redis, no Lua)
        read =
          fp !== ''
            ? store.run(TRUST_READ, [`${subject}:h`, `${subject}:d`], [fp, deviceArgs[0], deviceArgs[1]])
            : store.run(HISTORY_READ, [`${subject}:h`], NO_ARGS);
      } catch (err) {
        return finish(ctx, unavailable(err), fp);
      }
      if (!isPromise(read)) return finish(ctx, read, fp);
      return read.then(
        (r) => finish(ctx, r, fp),
        (err: unknown) => finish(ctx, unavailable(err), fp),
      );
    },
    record(ctx) {
      if (history === null || ctx.listed !== '') return;
      let amount = 0;
      const d = ctx.decision;
      // trust's own refusals are left out: counting them would lower the next score, refuse again, and so on
      if ((d === 'deny' || d === 'challenge' || d === 'limit') && ctx.refusedBy !== 'trust') amount += 1;
      if (ctx.compile !== null) amount += OUTCOME_WEIGHT[ctx.compile.outcome] ?? 0;
      if (amount === 0) return;
      const key = `${subjectKey(ctx)}:h`;
      try {
        const r = store.run(HISTORY_ADD, [key], [historyArgs[0], amount, historyTtlMs]);
        if (isPromise(r)) r.catch(() => undefined); // a store down forgets this one; the read says unscored
      } catch {
        // as above: the memory store throws only when closed
      }
    },
  };
}

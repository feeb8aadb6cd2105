// Rate-limit state that outlives reloads (tier overrides, in-flight counts) and the one call that tightens a client.
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { Resources } from '../core/resources.js';
import type { IpGrouping } from '../net/prefix.js';
import type { Store } from '../store/store.js';
import { InflightCounter } from './inflight.js';
import { TierOverrides } from './overrides.js';
import { resolveSubject, type KeyBy, type ResolvedSubject } from './subject.js';

/** What one configuration says about keying and tiers (frozen, per snapshot). */
export interface RateSettings {
  readonly keyBy: KeyBy;
  readonly grouping: IpGrouping;
  readonly tiers: ReadonlySet<string>;
  readonly defaultTier: string;
  readonly suspiciousTier: string;
}

const SUBJECT = 'rate.subject';

export class RateControl {
  readonly overrides: TierOverrides;
  readonly inflight = new InflightCounter();
  /** The settings of the last configuration built: used for requests no rate check has seen. */
  latest: RateSettings | null = null;

  constructor(store: Store, clock: Clock) {
    this.overrides = new TierOverrides(store, clock);
    void this.overrides.load();
  }

  /** The request's subject, computed once per request (shared by the rate-limit and concurrency checks). */
  subjectOf(ctx: RequestContext, s: RateSettings): ResolvedSubject {
    const memo = ctx.scratch.get(SUBJECT) as ResolvedSubject | undefined;
    if (memo !== undefined) return memo;
    const subject = resolveSubject(ctx, s.keyBy, s.grouping);
    ctx.scratch.set(SUBJECT, subject);
    return subject;
  }

  /** The tier that applies now: a live override first, else the identity's tier if defined, else the default. */
  tierOf(ctx: RequestContext, subject: ResolvedSubject, s: RateSettings): string {
    const o = this.overrides.current(subject.id);
    if (o !== null && s.tiers.has(o)) return o;
    const t = ctx.identity.tier;
    return s.tiers.has(t) ? t : s.defaultTier;
  }

  /**
   * Moves the client behind `ctx` to a stricter tier (the configured suspicious tier unless named) for
   * ttlMs, on every instance sharing the store. The one call incidents and later checks use.
   */
  async tighten(ctx: RequestContext, ttlMs: number, tier?: string): Promise<void> {
    const s = this.latest;
    if (s === null) return;
    const subject = this.subjectOf(ctx, s);
    await this.overrides.tighten(subject.id, tier ?? s.suspiciousTier, ttlMs);
  }

  close(): void {
    this.overrides.close();
    this.inflight.close();
  }
}

/** The process's RateControl (created on first use, kept across reloads). */
export function rateControl(resources: Resources, store: Store, clock: Clock): RateControl {
  return resources.get('ratelimit.control', () => new RateControl(store, clock));
}

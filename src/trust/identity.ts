// The identity component: who the request says it is (none, API key, valid JWT) and its tier.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import { scored, type Weighting } from './term.js';

/** Trust per method: a token checked by signature is worth more than a key, a key more than nothing. */
const VALUES = { anonymous: 0.4, api_key: 0.9, jwt: 1 } as const;
/** A client already moved to the suspicious tier starts low whatever it presents. */
const SUSPICIOUS = 0.2;

export function identityComponent(w: Weighting, suspiciousTier: string): (ctx: RequestContext) => TrustTerm {
  const anonymous = scored(w, 'identity:anonymous', VALUES.anonymous, Object.freeze({ method: 'anonymous' }));
  // One frozen term per method and tier: tiers are configured names, so the cache is bounded by the config.
  const byTier = new Map<string, TrustTerm>();
  return (ctx) => {
    const id = ctx.identity;
    if (id.method === 'anonymous' && id.tier !== suspiciousTier) return anonymous;
    const key = `${id.method} ${id.tier}`;
    let t = byTier.get(key);
    if (t === undefined) {
      const evidence = Object.freeze({ method: id.method, tier: id.tier });
      t =
        id.tier === suspiciousTier
          ? scored(w, 'identity:suspicious_tier', SUSPICIOUS, evidence)
          : scored(w, `identity:${id.method}`, VALUES[id.method], evidence);
      if (byTier.size < 256) byTier.set(key, t);
    }
    return t;
  };
}

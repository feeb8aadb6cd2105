// The geography component: the configured risk of the client's country (0..1), unscored when unknown.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import type { GeoAnswer } from '../geo/lookup.js';
import { scored, unscored, type Weighting } from './term.js';

export interface GeographySettings {
  readonly countryRisk: Readonly<Record<string, number>>;
  readonly defaultRisk: number;
  /** The geo answer for the client; null when no country database is open. */
  readonly geo: ((ip: string) => GeoAnswer) | null;
}

export function geographyComponent(w: Weighting, s: GeographySettings): (ctx: RequestContext) => TrustTerm {
  const configured = Object.keys(s.countryRisk).length !== 0 || s.defaultRisk > 0;
  const geo = s.geo;
  if (!configured || geo === null) {
    const off = unscored(w, configured ? 'geography:no_database' : 'geography:not_configured');
    return () => off;
  }
  const internal = unscored(w, 'geography:internal');
  const unknown = unscored(w, 'geography:unknown_country');
  const risk = new Map(Object.entries(s.countryRisk));
  // one frozen term per country seen (at most the ~250 codes a database can answer)
  const byCountry = new Map<string, TrustTerm>();
  return (ctx) => {
    const a = geo(ctx.clientIp);
    if (a.internal) return internal;
    const cc = a.country ?? a.registered;
    if (cc === null) return unknown;
    let t = byCountry.get(cc);
    if (t === undefined) {
      const r = risk.get(cc) ?? s.defaultRisk;
      t = scored(w, r > 0 ? 'geography:risk' : 'geography:ok', 1 - r, Object.freeze({ country: cc, risk: r }));
      if (byCountry.size < 512) byCountry.set(cc, t);
    }
    return t;
  };
}

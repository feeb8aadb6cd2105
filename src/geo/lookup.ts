// One geo answer for an address from up to three databases (country or city, ASN, anonymous IP).
import type { GeoDatabase } from './database.js';
import { isInternal } from './internal.js';
import { anonymousOf, asnOf, countriesOf, type AnonymousFlag } from './records.js';

export interface GeoAnswer {
  /** Private or loopback: no lookup made, no rule applies. */
  readonly internal: boolean;
  readonly country: string | null;
  readonly registered: string | null;
  readonly asn: number | null;
  readonly org: string | null;
  readonly anonymous: readonly AnonymousFlag[];
}

const INTERNAL: GeoAnswer = Object.freeze({
  internal: true,
  country: null,
  registered: null,
  asn: null,
  org: null,
  anonymous: Object.freeze([]),
});

export interface GeoSources {
  readonly country: GeoDatabase | null;
  readonly asn: GeoDatabase | null;
  readonly anonymous: GeoDatabase | null;
}

/** Looks an address up in every configured database. Invalid addresses are unknown, never errors. */
export function lookupGeo(sources: GeoSources, ip: string): GeoAnswer {
  if (ip === '' || isInternal(ip)) return INTERNAL;
  const get = (db: GeoDatabase | null) => {
    if (db === null) return null;
    try {
      return db.reader.get(ip);
    } catch {
      return null; // not an address mmdb-lib can parse
    }
  };
  const c = countriesOf(get(sources.country));
  const a = asnOf(get(sources.asn));
  return {
    internal: false,
    country: c.country,
    registered: c.registered,
    asn: a.asn,
    org: a.org,
    anonymous: anonymousOf(get(sources.anonymous)),
  };
}

/** Changes whenever any of the databases was swapped (cache key for derived answers). */
export function generationOf(sources: GeoSources): number {
  // each generation only grows, so the sum changes whenever one does
  return (sources.country?.generation ?? 0) + (sources.asn?.generation ?? 0) + (sources.anonymous?.generation ?? 0);
}

// The geo answer trust reads (country for geography, ASN and anonymiser flags for network), cached per address.
import { resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Resources } from '../core/resources.js';
import type { GeoConfig } from '../geo/config.js';
import { EMBEDDED_DATABASE, GeoDatabase } from '../geo/database.js';
import { generationOf, lookupGeo, type GeoAnswer, type GeoSources } from '../geo/lookup.js';
import type { Logger } from '../telemetry/logger.js';

export interface TrustGeo {
  readonly sources: GeoSources;
  answer(ip: string): GeoAnswer;
}

/**
 * Opens the databases trust needs under the geo check's resource keys (one reader per file for both) and
 * caches answers per address; a swapped database clears the cache.
 */
export function trustGeo(
  c: GeoConfig,
  need: { country: boolean; asn: boolean; anonymous: boolean },
  resources: Resources,
  log: Logger,
): TrustGeo | null {
  const open = (path: string | undefined, label: string): GeoDatabase | null => {
    if (path === undefined) return null;
    const file = path === 'embedded' ? EMBEDDED_DATABASE : resolve(path);
    return resources.get(`geo:db:${file}`, () => new GeoDatabase(file, label, log));
  };
  const sources: GeoSources = Object.freeze({
    country: need.country ? open(c.database, 'geo.database') : null,
    asn: need.asn ? open(c.asn_database, 'geo.asn_database') : null,
    anonymous: need.anonymous ? open(c.anonymous_database, 'geo.anonymous_database') : null,
  });
  if (sources.country === null && sources.asn === null && sources.anonymous === null) return null;
  const cache = new LRUCache<string, GeoAnswer>({ max: c.cache_size });
  let generation = generationOf(sources);
  return {
    sources,
    answer(ip) {
      const g = generationOf(sources);
      if (g !== generation) {
        cache.clear();
        generation = g;
      }
      let a = cache.get(ip);
      if (a === undefined) cache.set(ip, (a = lookupGeo(sources, ip)));
      return a;
    },
  };
}

// The geo check (module `geo`, connection phase): country, ASN and anonymizer rules from the client address
// alone. Answers are cached per address as frozen verdicts; a swapped database clears the cache.
import { resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { geoActive, type GeoConfig } from '../geo/config.js';
import { EMBEDDED_DATABASE, GeoDatabase } from '../geo/database.js';
import { generationOf, lookupGeo, type GeoSources } from '../geo/lookup.js';
import { buildGeoRules } from '../geo/rules.js';
import { normaliseIp } from '../net/ip.js';
import type { CheckDeps } from './deps.js';

/** Opens (once per path, shared across reloads) the databases the rules need. */
export function geoSources(c: GeoConfig, deps: Pick<CheckDeps, 'resources' | 'log'>): GeoSources {
  const open = (path: string | undefined, label: string): GeoDatabase | null => {
    if (path === undefined) return null;
    const file = path === 'embedded' ? EMBEDDED_DATABASE : resolve(path);
    return deps.resources.get(`geo:db:${file}`, () => new GeoDatabase(file, label, deps.log));
  };
  const needCountry =
    c.deny_countries.length > 0 ||
    c.allow_countries.length > 0 ||
    Object.keys(c.country_risk).length > 0 ||
    c.unknown_risk > 0;
  return Object.freeze({
    country: needCountry ? open(c.database, 'geo.database') : null,
    asn: open(c.asn_database, 'geo.asn_database'),
    anonymous: open(c.anonymous_database, 'geo.anonymous_database'),
  });
}

export function buildGeoCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.geo;
  if (!geoActive(c)) return null;
  const sources = geoSources(c, deps);
  const rules = buildGeoRules(c);
  const cache = new LRUCache<string, Verdict>({ max: c.cache_size });
  let generation = generationOf(sources);

  deps.admin?.('GET /admin/api/geo', async (_req, _body, url) => {
    const ip = normaliseIp(url.searchParams.get('ip') ?? '');
    const dbs = [sources.country, sources.asn, sources.anonymous].filter((d) => d !== null).map((d) => d.status());
    if (ip === '') return { status: 200, body: { databases: dbs } };
    const answer = lookupGeo(sources, ip);
    const v = rules(answer);
    return { status: 200, body: { databases: dbs, ip, answer, verdict: { kind: v.kind, reasons: v.reasons } } };
  });

  return Object.freeze({
    name: 'geo',
    phase: 'connection',
    mode: c.mode,
    run(ctx: RequestContext): Verdict {
      if (ctx.listed !== '') return PASS;
      const g = generationOf(sources);
      if (g !== generation) {
        cache.clear();
        generation = g;
      }
      const ip = ctx.clientIp;
      let v = cache.get(ip);
      if (v === undefined) {
        v = rules(lookupGeo(sources, ip));
        cache.set(ip, v);
      }
      return v;
    },
  } satisfies Check);
}

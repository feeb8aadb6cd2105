// gateway.yaml `geo:` section: databases (embedded CC0 country DB by default) and country/ASN/anonymizer rules.
import { z } from 'zod';
import { MAX_CACHE_ENTRIES } from '../config/limits.js';
import { pathString } from '../config/paths.js';

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'country codes are ISO 3166-1 alpha-2, upper case (e.g. KP)');
const risk = z.number().min(0).max(1000);
const anonymousRisk = z
  .strictObject({
    anonymous: risk.default(0),
    vpn: risk.default(0),
    tor: risk.default(0),
    hosting: risk.default(0),
    public_proxy: risk.default(0),
    residential_proxy: risk.default(0),
  })
  .prefault({});

export const geoSchema = z
  .strictObject({
    mode: z.enum(['enforce', 'monitor', 'off']).default('enforce'),
    /**
     * Country database: `embedded` (the CC0 @ip-location-db country DB shipped with Portcullis) or a path to
     * a GeoIP2/GeoLite2 Country or City .mmdb. Every database is verified before use and reloaded on change.
     */
    database: pathString('read', ['embedded']).default('embedded'),
    /** GeoLite2/GeoIP2 ASN database (needed by deny_asns / asn_risk). */
    asn_database: pathString('read').optional(),
    /** GeoIP2 Anonymous IP database (needed by anonymous_risk). */
    anonymous_database: pathString('read').optional(),
    /**
     * Which country a rule matches: `country` (where the address is used, falling back to where the network
     * is registered), `registered_country` (the reverse), or `either` (a rule matches if it names either).
     */
    country_field: z.enum(['country', 'registered_country', 'either']).default('country'),
    /** Refused outright: 403 with reason geo:deny:CC. */
    deny_countries: z.array(countryCode).default([]),
    /** When not empty, located clients from any other country are refused (geo:not_allowed:CC). */
    allow_countries: z.array(countryCode).default([]),
    /** Score added to the request's trust total, by country (reason geo:risk:CC). */
    country_risk: z.record(countryCode, risk).default({}),
    /** Autonomous systems refused outright (geo:asn_deny:AS123), e.g. hosting networks. */
    deny_asns: z.array(z.number().int().positive().max(4_294_967_295)).default([]),
    /** Score by AS number (reason geo:asn:AS123). */
    asn_risk: z.record(z.string().regex(/^[1-9]\d*$/, 'AS numbers as keys, e.g. "16509"'), risk).default({}),
    /** Score for each Anonymous IP flag the address carries (reasons geo:anonymous:<flag>), summed. */
    anonymous_risk: anonymousRisk,
    /** Score when the country database has no answer for a public address (reason geo:unknown). */
    unknown_risk: risk.default(0),
    /** Per-address answers kept in memory (cleared when a database is swapped). */
    cache_size: z.number().int().positive().max(MAX_CACHE_ENTRIES).default(65_536),
  })
  .superRefine((c, ctx) => {
    if ((c.deny_asns.length > 0 || Object.keys(c.asn_risk).length > 0) && c.asn_database === undefined) {
      ctx.addIssue({ code: 'custom', path: ['asn_database'], message: 'deny_asns/asn_risk need an asn_database' });
    }
    if (Object.values(c.anonymous_risk).some((v) => v > 0) && c.anonymous_database === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['anonymous_database'],
        message: 'anonymous_risk needs an anonymous_database',
      });
    }
  })
  .prefault({});

export type GeoConfig = z.infer<typeof geoSchema>;

/** True when some rule needs a lookup: otherwise the check is not built and no database is opened. */
export function geoActive(c: GeoConfig): boolean {
  const anon = Object.values(c.anonymous_risk).some((v) => v > 0);
  return (
    c.mode !== 'off' &&
    (c.deny_countries.length > 0 ||
      c.allow_countries.length > 0 ||
      Object.keys(c.country_risk).length > 0 ||
      c.deny_asns.length > 0 ||
      Object.keys(c.asn_risk).length > 0 ||
      anon ||
      c.unknown_risk > 0)
  );
}

// Reads the fields geo rules use from every record shape: the CC0 {country_code}, GeoIP2/GeoLite2
// Country and City, GeoLite2 ASN and GeoIP2 Anonymous IP. Unknown shapes yield nulls, never throw.

export type AnonymousFlag = 'anonymous' | 'vpn' | 'tor' | 'hosting' | 'public_proxy' | 'residential_proxy';

export const ANONYMOUS_FLAGS: readonly AnonymousFlag[] = Object.freeze([
  'anonymous',
  'vpn',
  'tor',
  'hosting',
  'public_proxy',
  'residential_proxy',
]);

/** The Anonymous IP database's field for each flag. */
const ANONYMOUS_FIELDS: Readonly<Record<AnonymousFlag, string>> = Object.freeze({
  anonymous: 'is_anonymous',
  vpn: 'is_anonymous_vpn',
  tor: 'is_tor_exit_node',
  hosting: 'is_hosting_provider',
  public_proxy: 'is_public_proxy',
  residential_proxy: 'is_residential_proxy',
});

type Rec = Readonly<Record<string, unknown>> | null | undefined;

function code(v: unknown): string | null {
  return typeof v === 'string' && /^[A-Z]{2}$/.test(v) ? v : null;
}

function isoOf(rec: Rec, field: string): string | null {
  const sub = rec?.[field];
  return typeof sub === 'object' && sub !== null ? code((sub as Record<string, unknown>).iso_code) : null;
}

export interface Countries {
  /** Where the address is used: `country.iso_code`, or the CC0 database's `country_code`. */
  readonly country: string | null;
  /** Where the network is registered (GeoIP2/GeoLite2 only). */
  readonly registered: string | null;
}

export function countriesOf(rec: Rec): Countries {
  return {
    country: code(rec?.country_code) ?? isoOf(rec, 'country'),
    registered: isoOf(rec, 'registered_country'),
  };
}

export interface Asn {
  readonly asn: number | null;
  readonly org: string | null;
}

export function asnOf(rec: Rec): Asn {
  const n = rec?.autonomous_system_number;
  const o = rec?.autonomous_system_organization;
  return {
    asn: typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null,
    org: typeof o === 'string' ? o : null,
  };
}

export function anonymousOf(rec: Rec): readonly AnonymousFlag[] {
  if (rec === null || rec === undefined) return [];
  return ANONYMOUS_FLAGS.filter((f) => rec[ANONYMOUS_FIELDS[f]] === true);
}

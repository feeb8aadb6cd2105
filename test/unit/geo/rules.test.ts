// Geo rules: deny, allow, risk scores, ASN, anonymizer and unknown, and which country field a rule reads.
import { describe, expect, it } from 'vitest';
import { geoSchema } from '../../../src/geo/config.js';
import type { GeoAnswer } from '../../../src/geo/lookup.js';
import { buildGeoRules } from '../../../src/geo/rules.js';

const answer = (a: Partial<GeoAnswer>): GeoAnswer => ({
  internal: false,
  country: null,
  registered: null,
  asn: null,
  org: null,
  anonymous: [],
  ...a,
});
const rules = (c: object) => buildGeoRules(geoSchema.parse(c));

describe('geo rules', () => {
  it('denies a country with geo:deny:CC (403)', () => {
    const r = rules({ deny_countries: ['KP', 'GB'] });
    expect(r(answer({ country: 'GB', registered: 'FR' }))).toEqual({
      kind: 'deny',
      status: 403,
      reasons: ['geo:deny:GB'],
    });
    expect(r(answer({ country: 'FR' })).kind).toBe('continue');
  });

  it('country_field picks the country, the registered country, or either', () => {
    const gbFr = answer({ country: 'GB', registered: 'FR' });
    expect(rules({ deny_countries: ['FR'] })(gbFr).kind).toBe('continue');
    expect(rules({ deny_countries: ['FR'], country_field: 'registered_country' })(gbFr).reasons).toEqual([
      'geo:deny:FR',
    ]);
    expect(rules({ deny_countries: ['FR'], country_field: 'either' })(gbFr).reasons).toEqual(['geo:deny:FR']);
    // falling back: no country, only a registered one
    expect(rules({ deny_countries: ['FR'] })(answer({ registered: 'FR' })).reasons).toEqual(['geo:deny:FR']);
  });

  it('allow_countries refuses located clients from elsewhere, never unknown ones', () => {
    const r = rules({ allow_countries: ['DE', 'AT'] });
    expect(r(answer({ country: 'DE' })).kind).toBe('continue');
    expect(r(answer({ country: 'US' })).reasons).toEqual(['geo:not_allowed:US']);
    expect(r(answer({})).kind).toBe('continue');
  });

  it('sums risk scores with one reason each', () => {
    const r = rules({
      country_risk: { RU: 20, FR: 5 },
      asn_database: 'x',
      asn_risk: { '16509': 15 },
      anonymous_database: 'y',
      anonymous_risk: { tor: 40, vpn: 10 },
      unknown_risk: 7,
    });
    expect(r(answer({ country: 'RU', asn: 16509, anonymous: ['anonymous', 'vpn', 'tor'] }))).toEqual({
      kind: 'continue',
      score: 85, // 20 + 15 + 10 + 40
      reasons: ['geo:risk:RU', 'geo:asn:AS16509', 'geo:anonymous:vpn', 'geo:anonymous:tor'],
    });
    expect(r(answer({}))).toEqual({ kind: 'continue', score: 7, reasons: ['geo:unknown'] });
    // either: the riskier of the two countries counts once
    const either = rules({ country_risk: { RU: 20, FR: 5 }, country_field: 'either' });
    expect(either(answer({ country: 'FR', registered: 'RU' }))).toMatchObject({ score: 20, reasons: ['geo:risk:RU'] });
  });

  it('denies an ASN', () => {
    const r = rules({ asn_database: 'x', deny_asns: [64496] });
    expect(r(answer({ asn: 64496 })).reasons).toEqual(['geo:asn_deny:AS64496']);
    expect(r(answer({ asn: 64497 })).reasons).toEqual([]);
  });

  it('internal addresses pass every rule', () => {
    const r = rules({ allow_countries: ['DE'], unknown_risk: 50 });
    expect(r(answer({ internal: true }))).toEqual({ kind: 'continue', score: 0, reasons: [] });
  });

  it('refuses rules whose database is not configured', () => {
    expect(geoSchema.safeParse({ deny_asns: [1] }).error?.issues[0]?.message).toMatch(/need an asn_database/);
    expect(geoSchema.safeParse({ anonymous_risk: { tor: 1 } }).error?.issues[0]?.message).toMatch(/anonymous_database/);
  });
});

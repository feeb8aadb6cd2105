// Exact answers from every MaxMind test schema and the embedded CC0 database, read through the geo module.
import { afterAll, describe, expect, it } from 'vitest';
import { GeoDatabase, EMBEDDED_DATABASE } from '../../../src/geo/database.js';
import { lookupGeo, type GeoSources } from '../../../src/geo/lookup.js';
import { countriesOf } from '../../../src/geo/records.js';
import { isInternal } from '../../../src/geo/internal.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { TESTDATA } from './paths.js';

const log = createLogger('silent');
const opened: GeoDatabase[] = [];
const db = (file: string) => {
  const d = new GeoDatabase(file.startsWith('/') ? file : `${TESTDATA}/${file}.mmdb`, 'test', log, { watch: false });
  opened.push(d);
  return d;
};
afterAll(() => opened.forEach((d) => d.close()));

const only = (s: Partial<GeoSources>): GeoSources => ({ country: null, asn: null, anonymous: null, ...s });

describe('country databases (GeoIP2 Country, GeoLite2 Country, GeoLite2 City)', () => {
  for (const file of ['GeoIP2-Country-Test', 'GeoLite2-Country-Test', 'GeoLite2-City-Test']) {
    const src = only({ country: db(file) });
    it(`${file}: country and registered country`, () => {
      // 2.125.160.216: used in GB, registered in FR (the two differ)
      expect(lookupGeo(src, '2.125.160.216')).toMatchObject({ internal: false, country: 'GB', registered: 'FR' });
      expect(lookupGeo(src, '81.2.69.142')).toMatchObject({ country: 'GB', registered: 'US' });
      expect(lookupGeo(src, '89.160.20.112')).toMatchObject({ country: 'SE', registered: 'DE' });
      expect(lookupGeo(src, '216.160.83.56')).toMatchObject({ country: 'US', registered: 'GB' });
      expect(lookupGeo(src, '2001:218::1')).toMatchObject({ country: 'JP', registered: 'JP' });
      expect(lookupGeo(src, '2001:220::1')).toMatchObject({ country: 'KR', registered: 'KR' });
    });
    it(`${file}: an address it does not hold is unknown`, () => {
      expect(lookupGeo(src, '198.51.100.1')).toMatchObject({ internal: false, country: null, registered: null });
    });
  }
  it('GeoIP2 Country holds 149.101.100.1 (US, registered GB); GeoLite2 does not', () => {
    expect(lookupGeo(only({ country: db('GeoIP2-Country-Test') }), '149.101.100.1')).toMatchObject({
      country: 'US',
      registered: 'GB',
    });
    expect(lookupGeo(only({ country: db('GeoLite2-Country-Test') }), '149.101.100.1').country).toBeNull();
  });
});

describe('GeoLite2 ASN', () => {
  const src = only({ asn: db('GeoLite2-ASN-Test') });
  it('answers number and organisation', () => {
    expect(lookupGeo(src, '1.128.0.0')).toMatchObject({ asn: 1221, org: 'Telstra Pty Ltd' });
    expect(lookupGeo(src, '12.81.92.5')).toMatchObject({ asn: 7018, org: 'AT&T Services' });
    expect(lookupGeo(src, '2600:6000::1')).toMatchObject({ asn: 237, org: 'Merit Network Inc.' });
    expect(lookupGeo(src, '198.51.100.1')).toMatchObject({ asn: null, org: null });
  });
});

describe('GeoIP2 Anonymous IP', () => {
  const src = only({ anonymous: db('GeoIP2-Anonymous-IP-Test') });
  it('answers the flags each address carries', () => {
    expect(lookupGeo(src, '1.124.213.1').anonymous).toEqual(['anonymous', 'vpn', 'tor']);
    expect(lookupGeo(src, '81.2.69.10').anonymous).toEqual([
      'anonymous',
      'vpn',
      'tor',
      'hosting',
      'public_proxy',
      'residential_proxy',
    ]);
    expect(lookupGeo(src, '186.30.236.5').anonymous).toEqual(['anonymous', 'public_proxy']);
    expect(lookupGeo(src, '6.1.0.4').anonymous).toEqual(['anonymous', 'residential_proxy']);
    expect(lookupGeo(src, 'abcd:1000::1').anonymous).toEqual(['anonymous', 'public_proxy']);
    expect(lookupGeo(src, '8.8.8.8').anonymous).toEqual([]);
  });
});

describe('embedded CC0 country database', () => {
  const src = only({ country: db(EMBEDDED_DATABASE) });
  it('answers well-known public addresses', () => {
    expect(lookupGeo(src, '8.8.8.8')).toMatchObject({ country: 'US', registered: null });
    expect(lookupGeo(src, '1.1.1.1').country).toBe('AU'); // APNIC's research prefix
    expect(lookupGeo(src, '9.9.9.9').country).toBe('US');
    expect(lookupGeo(src, '193.0.14.129').country).toBe('NL'); // k.root-servers.net, RIPE NCC
    expect(lookupGeo(src, '2001:4860:4860::8888').country).toBe('US');
  });
});

describe('internal addresses', () => {
  const src = only({ country: db('GeoIP2-Country-Test'), asn: db('GeoLite2-ASN-Test') });
  it('private and loopback addresses are internal and never looked up', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
    ]) {
      expect(isInternal(ip), ip).toBe(true);
      expect(lookupGeo(src, ip)).toMatchObject({ internal: true, country: null, asn: null });
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '11.0.0.1']) expect(isInternal(ip), ip).toBe(false);
  });
  it('an empty or invalid address is unknown, not an error', () => {
    expect(lookupGeo(src, '').internal).toBe(true);
    expect(lookupGeo(src, 'not-an-ip')).toMatchObject({ internal: false, country: null });
  });
});

describe('record shapes', () => {
  it('reads the CC0 shape and falls back between country and registered_country', () => {
    expect(countriesOf({ country_code: 'DE' })).toEqual({ country: 'DE', registered: null });
    expect(countriesOf({ registered_country: { iso_code: 'FR' } })).toEqual({ country: null, registered: 'FR' });
    expect(countriesOf({ country: { iso_code: 'gb' } })).toEqual({ country: null, registered: null });
    expect(countriesOf(null)).toEqual({ country: null, registered: null });
  });
});

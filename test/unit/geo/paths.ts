// Where the geo tests find their databases: test/vectors/maxmind (vendored MaxMind test dbs) and the embedded CC0 package.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TESTDATA = process.env.MAXMIND_TESTDATA ?? join(ROOT, 'test/vectors/maxmind');
export const EMBEDDED_DB = join(
  ROOT,
  'node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
);

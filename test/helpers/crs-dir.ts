// Test helper: where the CRS release the tests run is (the shared copy beside the repository, or $CRS_DIR).
// Under CI=true a missing copy fails the file; locally the suites are skipped with a loud message.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe } from 'vitest';

export const CRS_DIR = process.env.CRS_DIR ?? resolve(import.meta.dirname, '../../../shared/crs-v4.28.0');
export const HAVE_CRS = existsSync(resolve(CRS_DIR, 'rules/REQUEST-901-INITIALIZATION.conf'));

export const describeCrs = ((): typeof describe | typeof describe.skip => {
  if (HAVE_CRS) return describe;
  if (process.env.CI === 'true') throw new Error(`CRS not found at ${CRS_DIR} and CI=true: set CRS_DIR`);
  console.warn(`\n*** CRS not found at ${CRS_DIR}: SKIPPING CRS suites (set CRS_DIR) ***\n`);
  return describe.skip;
})();

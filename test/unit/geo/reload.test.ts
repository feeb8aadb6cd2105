// Database safety: a changed file is reloaded by itself; the corrupt test DB is refused and the old one serves on.
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GeoDatabase } from '../../../src/geo/database.js';
import { lookupGeo } from '../../../src/geo/lookup.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { TESTDATA } from './paths.js';

const BROKEN = `${TESTDATA}/MaxMind-DB-test-broken-search-tree-24.mmdb`;
const log = createLogger('silent');
const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-geo-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Replaces the file the way deploy tools should: write aside, rename over. */
function swapIn(source: string, target: string): void {
  const tmp = `${target}.tmp`;
  copyFileSync(source, tmp);
  renameSync(tmp, target);
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GeoDatabase', () => {
  it('refuses the broken-search-tree database at open with a clear error', () => {
    expect(() => new GeoDatabase(BROKEN, 'geo.database', log, { watch: false })).toThrow(
      /geo\.database: .*MaxMind-DB-test-broken-search-tree-24\.mmdb refused: search tree: node 0 points back to node 0 \(a cycle\)/,
    );
  });

  it('refuses a missing file at open', () => {
    expect(() => new GeoDatabase('/nonexistent/x.mmdb', 'geo.asn_database', log, { watch: false })).toThrow(
      /geo\.asn_database: cannot read \/nonexistent\/x\.mmdb/,
    );
  });

  it('keeps serving the old database when the broken one is swapped in (reload called)', async () => {
    const file = join(workdir(), 'country.mmdb');
    copyFileSync(`${TESTDATA}/GeoIP2-Country-Test.mmdb`, file);
    const db = new GeoDatabase(file, 'geo.database', log, { watch: false });
    cleanup.push(() => db.close());
    const src = { country: db, asn: null, anonymous: null };
    expect(lookupGeo(src, '2.125.160.216').country).toBe('GB');
    swapIn(BROKEN, file);
    expect(await db.reload()).toBe(false);
    expect(db.lastError).toMatch(/refused: search tree: node 0 points back to node 0/);
    expect(db.status()).toMatchObject({ type: 'GeoIP2-Country', generation: 1, reloads: { success: 0, failure: 1 } });
    expect(lookupGeo(src, '2.125.160.216').country).toBe('GB');
    // a good file afterwards is taken, and the error clears
    swapIn(`${TESTDATA}/GeoLite2-City-Test.mmdb`, file);
    expect(await db.reload()).toBe(true);
    expect(db.status()).toMatchObject({ type: 'GeoLite2-City', generation: 2, last_error: null });
  });

  it('reloads by itself when the file changes, and refuses the broken file by itself', async () => {
    const file = join(workdir(), 'country.mmdb');
    copyFileSync(`${TESTDATA}/GeoLite2-Country-Test.mmdb`, file);
    const db = new GeoDatabase(file, 'geo.database', log, { debounceMs: 50 });
    cleanup.push(() => db.close());
    const src = { country: db, asn: null, anonymous: null };
    expect(lookupGeo(src, '149.101.100.1').country).toBeNull(); // not in GeoLite2
    swapIn(`${TESTDATA}/GeoIP2-Country-Test.mmdb`, file);
    await until(() => db.generation === 2);
    expect(lookupGeo(src, '149.101.100.1').country).toBe('US');
    swapIn(BROKEN, file);
    await until(() => db.lastError !== null);
    expect(db.lastError).toMatch(/node 0 points back to node 0/);
    expect(db.generation).toBe(2);
    expect(lookupGeo(src, '149.101.100.1').country).toBe('US');
  });
});

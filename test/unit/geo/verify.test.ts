// The database verifier: every MaxMind test database passes, the broken search tree is refused with a reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidDatabase, verifyDatabase } from '../../../src/geo/mmdb-verify.js';
import { EMBEDDED_DB, TESTDATA } from './paths.js';

const GOOD = [
  ['GeoIP2-Anonymous-IP-Test', 'GeoIP2-Anonymous-IP', 4],
  ['GeoIP2-Country-Test', 'GeoIP2-Country', 6],
  ['GeoLite2-ASN-Test', 'GeoLite2-ASN', 6],
  ['GeoLite2-City-Test', 'GeoLite2-City', 6],
  ['GeoLite2-Country-Test', 'GeoLite2-Country', 6],
] as const;

describe('verifyDatabase', () => {
  for (const [file, type] of GOOD) {
    it(`accepts ${file}`, () => {
      const info = verifyDatabase(readFileSync(`${TESTDATA}/${file}.mmdb`));
      expect(info.databaseType).toBe(type);
      expect(info.records).toBeGreaterThan(0);
    });
  }

  it('accepts the embedded CC0 country database', () => {
    const info = verifyDatabase(readFileSync(EMBEDDED_DB));
    expect(info.ipVersion).toBe(6);
    expect(info.nodeCount).toBeGreaterThan(100_000);
  });

  it('refuses MaxMind-DB-test-broken-search-tree-24 with the node that loops', () => {
    const buf = readFileSync(`${TESTDATA}/MaxMind-DB-test-broken-search-tree-24.mmdb`);
    expect(() => verifyDatabase(buf)).toThrow(InvalidDatabase);
    expect(() => verifyDatabase(buf)).toThrow(/search tree: node 0 points back to node 0/);
  });

  it('refuses a file without metadata', () => {
    expect(() => verifyDatabase(Buffer.from('not a database'))).toThrow(/no metadata marker/);
  });

  it('refuses a tree record pointing past the data section', () => {
    const buf = Buffer.from(readFileSync(`${TESTDATA}/GeoLite2-ASN-Test.mmdb`));
    const { nodeCount, recordSize } = verifyDatabase(buf);
    expect(recordSize).toBe(28);
    // node 0's left record, 28 bits: three low bytes, then the high nibble of byte 3
    const v = nodeCount + 16 + 10_000_000;
    buf.writeUIntBE(v & 0xffffff, 0, 3);
    buf[3] = (buf[3]! & 0x0f) | ((v >>> 24) << 4);
    expect(() => verifyDatabase(buf)).toThrow(/node 0 left record .* outside the data section/);
  });

  it('refuses a broken separator and a data value cut short', () => {
    const good = readFileSync(`${TESTDATA}/GeoLite2-Country-Test.mmdb`);
    const info = verifyDatabase(good);
    const tree = (info.nodeCount * info.recordSize) / 4;
    const sep = Buffer.from(good);
    sep[tree + 3] = 1;
    expect(() => verifyDatabase(sep)).toThrow(/separator/);
    const cut = Buffer.from(good);
    cut[tree + 16] = 0xff; // the first data value becomes a huge map with a garbage size
    expect(() => verifyDatabase(cut)).toThrow(InvalidDatabase);
  });

  it('refuses a data pointer that does not land on a value', () => {
    const good = readFileSync(`${TESTDATA}/GeoLite2-City-Test.mmdb`);
    const info = verifyDatabase(good);
    const start = (info.nodeCount * info.recordSize) / 4 + 16;
    // find the first pointer (type 1, size class 0 or 1) in the data section and bend its target by one byte
    const buf = Buffer.from(good);
    let bent = false;
    for (let i = start; i < buf.length - 2 && !bent; i++) {
      if (buf[i]! >> 5 === 1 && ((buf[i]! >> 3) & 3) === 0 && buf[i + 1]! > 0) {
        const copy = Buffer.from(buf);
        copy[i + 1] = copy[i + 1]! + 1;
        try {
          verifyDatabase(copy);
        } catch (err) {
          if (/pointer at offset/.test((err as Error).message)) bent = true;
        }
      }
    }
    expect(bent).toBe(true);
  });
});

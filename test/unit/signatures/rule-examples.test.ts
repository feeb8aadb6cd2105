// Every shipped rule's own examples (what `portcullis test-rules` runs), one test per rule file.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRules } from '../../../src/signatures/testing.js';

const RULES_DIR = join(import.meta.dirname, '../../../rules');
const files = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('shipped rule files', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(`${f}: every example behaves`, () => {
      const report = testRules([join(RULES_DIR, f)]);
      const lines = report.failures.map(
        (x) => `${x.rule} (${x.source}) ${x.kind}: ${JSON.stringify(x.example)} ${x.message}`,
      );
      expect(lines).toEqual([]);
      expect(report.rules).toBeGreaterThan(0);
    });
  }
});

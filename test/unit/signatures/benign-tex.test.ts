// Whole documents as users send them (test/vectors/signatures/benign-tex/*.tex: standalone, article, beamer,
// pgfplots, tikz-cd, circuitikz, macros and loops): none may be refused at paranoia 1, anonymous tier.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRequest, shippedEngine } from '../../corpus/engine-fixture.js';

const DIR = join(import.meta.dirname, '../../vectors/signatures/benign-tex');

describe('ordinary documents', () => {
  const engine = shippedEngine({ clean_cache_entries: 0 });
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.tex'))) {
    it(`${f} passes`, () => {
      const r = engine.inspect(compileRequest(readFileSync(join(DIR, f), 'utf8')));
      expect({ deny: r.deny, reasons: r.reasons, policy: r.policy }).toEqual({ deny: false, reasons: [], policy: [] });
    });
  }
});

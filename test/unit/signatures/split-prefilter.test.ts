// The split prefilter (long texts) must let through every text the combined prefilter lets through: the
// engine gives the same result with either, on the attack corpora, the benign documents, every rule's own
// examples, generated texts and (when fetched) the PGF manual's examples.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';
import { ruleFilesOf } from '../../../src/signatures/build.js';
import { SignatureEngine, type InspectInput } from '../../../src/signatures/engine.js';
import { loadRuleFiles } from '../../../src/signatures/loader.js';
import { planPattern } from '../../../src/signatures/prefilter-plan.js';
import { splitHits } from '../../../src/signatures/prefilter.js';
import { applyChain, TRANSFORMS } from '../../../src/signatures/transforms/index.js';
import { texAttacks, webAttacks } from '../../corpus/attacks.js';
import { compileRequest, REPO } from '../../corpus/engine-fixture.js';
import { extractSamples, hasPgfManual, pgfManualDir } from '../../corpus/pgf-manual.js';

const cfg = signaturesConfigSchema.parse({ clean_cache_entries: 0 });
const rules = loadRuleFiles(ruleFilesOf(cfg, REPO));
const split = new SignatureEngine(rules, cfg, ['compile'], { splitFrom: 0 });
const combined = new SignatureEngine(rules, cfg, ['compile'], { splitFrom: Infinity });

function same(input: InspectInput): void {
  const a = split.inspect(input, true);
  const b = combined.inspect(input, true);
  expect(a.reasons).toEqual(b.reasons);
  expect(a.matches).toEqual(b.matches);
}

function webRequest(value: string): InspectInput {
  return {
    route: 'compile',
    tier: 'anonymous',
    path: '/compile',
    query: value,
    headers: { host: 'localhost', 'user-agent': value },
    fields: [{ name: 'title', path: 'title', value, code: false }],
    body: Buffer.from(value),
  };
}

describe('split prefilter', () => {
  it('lets every rule through on its own match examples', () => {
    const rs = split.profile('compile').rules;
    for (const g of [...rs.code, ...rs.web, ...rs.body]) {
      g.rules.forEach((r, i) => {
        const chain = r.spec.transforms.map((n) => TRANSFORMS.get(n)!);
        for (const example of r.spec.examples.match) {
          const text = applyChain(chain, example);
          expect(splitHits(g.split, text, Buffer.from(text)) ?? [], `${r.spec.id}: ${example}`).toContain(i);
        }
      });
    }
  });

  it('gives the combined prefilter result on the attack corpora and benign documents', () => {
    for (const a of texAttacks()) same(compileRequest(a.tex));
    for (const a of webAttacks()) same(webRequest(a.body + a.query));
    const dir = join(import.meta.dirname, '../../vectors/signatures/benign-tex');
    for (const f of readdirSync(dir)) same(compileRequest(readFileSync(join(dir, f), 'utf8')));
    for (const r of rules) for (const e of [...r.examples.match, ...r.examples.pass]) same(compileRequest(e));
  });

  it('gives the combined prefilter result on generated texts', () => {
    // Pieces of the rules' own examples, glued with TikZ and noise, so texts come near many rules at once.
    const pieces = [...new Set(rules.flatMap((r) => [...r.examples.match, ...r.examples.pass]))];
    const noise = ['\\draw (0,0) -- (1,1);', ' ', '\n', '{', '}', '...', '0', '99999', ':', '%', 'a', 'S', 'ſ', 'K'];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...pieces), fc.constantFrom(...noise), fc.string({ maxLength: 8 })), {
        maxLength: 12,
      })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(text, (s) => {
        same(compileRequest(s));
        same(webRequest(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('plans every alternative of every shipped pattern', () => {
    for (const r of rules) {
      const plans = planPattern(r.pattern, r.ignoreCase);
      expect(plans.length, r.id).toBeGreaterThan(0);
      // The shipped rules are all read: none falls back to running the whole pattern.
      expect(plans.filter((p) => p.kind === 'always' && p.source === `(?:${r.pattern})`).length, r.id).toBe(0);
    }
  });

  it.skipIf(!hasPgfManual())('gives the combined prefilter result on the PGF manual examples', () => {
    const dir = pgfManualDir();
    for (const f of readdirSync(dir).filter((x) => /^pgfmanual-en-.*\.tex$/.test(x))) {
      for (const s of extractSamples(f, readFileSync(join(dir, f), 'utf8'))) same(compileRequest(s.text));
    }
  });
});

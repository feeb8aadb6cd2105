// Reloads reuse compiled rules: an unchanged rule file compiles to the very same RE2 objects and rule sets
// (native memory is not allocated again), a changed rule gets new ones, and route profiles with the same
// active rules share one rule set.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSignatureEngine } from '../../../src/signatures/build.js';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';
import type { SignatureEngine } from '../../../src/signatures/engine.js';
import { loadRuleFiles } from '../../../src/signatures/loader.js';
import { REPO } from '../../corpus/engine-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['web-sqli.yaml', 'web-xss.yaml']) copyFileSync(join(REPO, 'rules', f), join(dir, f));

const cfg = signaturesConfigSchema.parse({ rules_dir: dir, routes: { strict: { paranoia: 4 } } });
const engine = (): SignatureEngine => loadSignatureEngine(cfg, ['compile', 'health', 'strict']);

function ruleRe(e: SignatureEngine, id: string): unknown {
  return e.profile('compile').rules.rules.find((r) => r.spec.id === id)?.re;
}

describe('compile cache', () => {
  it('an unchanged rule file gives the very same rule objects, rule sets and RE2 objects', () => {
    const a = engine();
    const b = engine();
    expect(b).not.toBe(a); // the engine itself (and its clean-text memories) is new
    expect(b.rules[0]).toBe(a.rules[0]);
    expect(b.profile('compile').rules).toBe(a.profile('compile').rules);
    expect(ruleRe(b, 'web.sqli.union-select')).toBe(ruleRe(a, 'web.sqli.union-select'));
    expect(b.profile('compile').rules.web[0]!.prefilter).toBe(a.profile('compile').rules.web[0]!.prefilter);
  });

  it('profiles with the same active rules share one rule set; another paranoia has its own', () => {
    const e = engine();
    expect(e.profile('health').rules).toBe(e.profile('compile').rules);
    expect(e.profile(null).rules).toBe(e.profile('compile').rules);
    expect(e.profile('strict').rules).not.toBe(e.profile('compile').rules);
  });

  it('a changed rule is compiled anew; the rules around it keep their objects', () => {
    const before = engine();
    const file = join(dir, 'web-sqli.yaml');
    const text = readFileSync(file, 'utf8');
    // Same positions, another pattern for the first rule: only it (and its groups) change.
    writeFileSync(file, text.replace("'\\bunion\\s+", "'\\bunion\\s{1,9}"));
    const after = engine();
    expect(ruleRe(after, 'web.sqli.union-select')).not.toBe(ruleRe(before, 'web.sqli.union-select'));
    expect(ruleRe(after, 'web.sqli.tautology')).toBe(ruleRe(before, 'web.sqli.tautology'));
    expect(after.profile('compile').rules).not.toBe(before.profile('compile').rules);
    expect(after.inspect({ ...quiet, query: 'q=1 UNION SELECT password' }).deny).toBe(true);
  });

  it('a file with problems is still refused every time, with the same messages', () => {
    const bad = join(dir, 'bad.rules'); // not a *.yaml: the other tests' rule folder stays as it was
    writeFileSync(
      bad,
      'rules:\n  - id: x.y\n    description: d\n    severity: LOW\n    pattern: "(a"\n    examples: { match: [a], pass: [b] }\n',
    );
    const messages = () => {
      try {
        loadRuleFiles([bad]);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const first = messages();
    expect(first).toMatch(/bad\.rules:5:\d+ .*RE2 cannot compile/);
    expect(messages()).toBe(first);
  });
});

const quiet = {
  route: 'compile',
  tier: 'anonymous',
  path: '/compile',
  query: '',
  headers: {},
  fields: [],
  body: null,
} as const;

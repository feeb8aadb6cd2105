// `portcullis test-rules`: every rule's own examples, run through its transforms and its pattern alone.
// A `match` example that does not match, or a `pass` example that does, is a failure named by rule id.
import RE2 from 're2';
import { loadRuleFiles } from './loader.js';
import type { RuleSpec } from './rule.js';
import { applyChain, TRANSFORMS } from './transforms/index.js';

export interface RuleTestFailure {
  readonly rule: string;
  /** `file:line:col` of the rule. */
  readonly source: string;
  readonly kind: 'match' | 'pass' | 'missing';
  readonly example: string;
  readonly message: string;
}

export interface RuleTestReport {
  readonly failures: readonly RuleTestFailure[];
  /** Examples run (plus one per rule for the presence check). */
  readonly total: number;
  readonly rules: number;
}

/** Runs the examples of already loaded rules. */
export function testRuleSpecs(rules: readonly RuleSpec[]): RuleTestReport {
  const failures: RuleTestFailure[] = [];
  let total = 0;
  for (const r of rules) {
    const re = new RE2(r.pattern, r.ignoreCase ? 'iu' : 'u');
    const chain = r.transforms.map((n) => TRANSFORMS.get(n)!);
    total++;
    if (r.examples.match.length === 0 || r.examples.pass.length === 0) {
      failures.push({
        rule: r.id,
        source: r.source,
        kind: 'missing',
        example: '',
        message: 'every rule needs at least one `match` and one `pass` example',
      });
    }
    for (const example of r.examples.match) {
      total++;
      const text = applyChain(chain, example);
      if (!re.test(text)) {
        failures.push({
          rule: r.id,
          source: r.source,
          kind: 'match',
          example,
          message: `should match but does not (normalised: ${JSON.stringify(text)})`,
        });
      }
    }
    for (const example of r.examples.pass) {
      total++;
      const text = applyChain(chain, example);
      const m = re.exec(text);
      if (m !== null) {
        failures.push({
          rule: r.id,
          source: r.source,
          kind: 'pass',
          example,
          message: `should pass but matches ${JSON.stringify(m[0])} at ${m.index}`,
        });
      }
    }
  }
  return { failures, total, rules: rules.length };
}

/** Loads the files (throws ConfigError on load problems) and runs every rule's examples. */
export function testRules(ruleFiles: readonly string[]): RuleTestReport {
  return testRuleSpecs(loadRuleFiles(ruleFiles));
}

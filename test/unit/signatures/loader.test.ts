// Rule loading: every problem of every file at once, each at file:line:col; good files load with defaults.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadRuleFiles } from '../../../src/signatures/loader.js';
import { ruleFilesOf } from '../../../src/signatures/build.js';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';

const BAD = join(import.meta.dirname, '../../vectors/signatures/rules-bad');

interface Expected {
  file: string;
  line: number;
  col: number;
  contains: string;
}

describe('rule loader', () => {
  it('reports every problem of every file at once with its position', () => {
    const files = ['problems.yaml', 'duplicate.yaml', 'syntax.yaml'].map((f) => join(BAD, f));
    let err: unknown;
    try {
      loadRuleFiles(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    const expected = JSON.parse(readFileSync(join(BAD, 'expected.json'), 'utf8')) as Expected[];
    for (const x of expected) {
      const hit = issues.find(
        (i) =>
          i.file.endsWith(x.file) &&
          i.line === x.line &&
          (x.col === 0 || i.col === x.col) &&
          i.message.includes(x.contains),
      );
      expect(hit, `${x.file}:${x.line}:${x.col} ${x.contains}\n${(err as Error).message}`).toBeDefined();
    }
    // The message is the usual file:line:col list.
    expect((err as Error).message).toMatch(/problems\.yaml:10:14 rules\[0\]\.pattern: RE2 cannot compile/);
  });

  it('applies file defaults and severity scores', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-rules-'));
    const f = join(dir, 'a.yaml');
    writeFileSync(
      f,
      [
        'defaults: { targets: [code], transforms: [tex], tags: [tex], paranoia: 2 }',
        'rules:',
        '  - id: t.one',
        '    description: one',
        '    severity: HIGH',
        "    pattern: '\\\\x'",
        '    tags: [extra]',
        '    examples: { match: ["\\\\x"], pass: [y] }',
        '  - id: t.two',
        '    description: two',
        '    severity: LOW',
        '    score: 7',
        '    paranoia: 1',
        '    targets: [query]',
        "    pattern: 'y'",
        '    examples: { match: [y], pass: [x] }',
      ].join('\n'),
    );
    const [one, two] = loadRuleFiles([f]);
    expect(one).toMatchObject({
      id: 't.one',
      score: 40,
      paranoia: 2,
      targets: ['code'],
      transforms: ['tex'],
      tags: ['tex', 'extra'],
    });
    expect(two).toMatchObject({ id: 't.two', score: 7, paranoia: 1, targets: ['query'], transforms: ['tex'] });
    expect(one!.source).toBe(`${f}:3:5`);
  });

  it('finds rule files by glob and reports globs that match nothing', () => {
    const cfg = signaturesConfigSchema.parse({ rules_dir: BAD, rule_files: ['*.yaml', 'nothing-*.yaml'] });
    expect(() => ruleFilesOf(cfg)).toThrow(/no rule file matches "nothing-\*\.yaml"/);
    const ok = signaturesConfigSchema.parse({ rules_dir: BAD, rule_files: ['d*.yaml', 'problems.yaml'] });
    expect(ruleFilesOf(ok).map((f) => f.slice(BAD.length + 1))).toEqual(['duplicate.yaml', 'problems.yaml']);
  });
});

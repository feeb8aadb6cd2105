// The test-rules and explain commands, as src/main.ts calls them: output and exit codes.
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainCommand, testRulesCommand } from '../../../src/signatures/cli.js';

const REPO = join(import.meta.dirname, '../../..');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { w: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

function workdir(rulesYaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  if (rulesYaml === undefined) cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  else {
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true, filter: () => true });
    writeFileSync(join(dir, 'rules', 'zz-broken.yaml'), rulesYaml);
  }
  writeFileSync(
    join(dir, 'gateway.yaml'),
    [
      'upstream: { url: "http://127.0.0.1:1" }',
      'routes:',
      '  - { name: compile, methods: [POST], path: /compile, inspect_body: true, code_fields: [tikz_code] }',
      'checks:',
      '  signatures:',
      `    rules_dir: ${JSON.stringify(join(dir, 'rules'))}`,
    ].join('\n'),
  );
  return dir;
}

describe('portcullis test-rules', () => {
  it('passes on the shipped rules', async () => {
    const dir = workdir();
    const c = capture();
    expect(await testRulesCommand(join(dir, 'gateway.yaml'), c.w)).toBe(0);
    expect(c.out.join('\n')).toMatch(/rule files, \d+ rules: \d+ passed, 0 failed/);
  });

  it('fails with the rule id and the example on a mismatch', async () => {
    const dir = workdir(
      [
        'rules:',
        '  - id: zz.bad',
        '    description: matches too much',
        '    severity: LOW',
        "    pattern: 'a'",
        "    examples: { match: ['a'], pass: ['banana'] }",
      ].join('\n'),
    );
    const c = capture();
    expect(await testRulesCommand(join(dir, 'gateway.yaml'), c.w)).toBe(1);
    expect(c.err.join('\n')).toMatch(
      /FAIL zz\.bad \(.*zz-broken\.yaml:2:5\) pass "banana": should pass but matches "a"/,
    );
  });

  it('reports rule file errors with their position', async () => {
    const dir = workdir(
      "rules:\n  - id: zz.re\n    description: x\n    severity: LOW\n    pattern: '(?<=a)b'\n    examples: { match: [b], pass: [c] }\n",
    );
    const c = capture();
    expect(await testRulesCommand(join(dir, 'gateway.yaml'), c.w)).toBe(1);
    expect(c.err.join('\n')).toMatch(/zz-broken\.yaml:5:14 rules\[0\]\.pattern: RE2 cannot compile/);
  });
});

describe('portcullis explain', () => {
  it('shows the normalised text, the matches and the decision', async () => {
    const dir = workdir();
    const sample = join(dir, 'sample.tex');
    writeFileSync(sample, '\\let\\x=\\input % hide\n\\x{/etc/passwd}\n');
    const c = capture();
    expect(await explainCommand({ configFile: join(dir, 'gateway.yaml'), file: sample, route: '/compile' }, c.w)).toBe(
      3,
    );
    const text = c.out.join('\n');
    expect(text).toContain('route compile, field tikz_code, tier anonymous, paranoia 1');
    expect(text).toContain('\\let\\x=\\input\\input{/etc/passwd}');
    expect(text).toMatch(/CRITICAL latex\.file-read\.input-path {2}\+100 {2}code:tikz_code @\d+/);
    expect(text).toMatch(/DENY \(403\) {2}reasons: .*sig:latex\.file-read\.input-path/);
  });

  it('allows an ordinary diagram and says why not otherwise', async () => {
    const dir = workdir();
    const sample = join(dir, 'ok.tex');
    writeFileSync(sample, '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}');
    const c = capture();
    expect(await explainCommand({ configFile: join(dir, 'gateway.yaml'), file: sample }, c.w)).toBe(0);
    expect(c.out.join('\n')).toContain('matches: none');
    const missing = capture();
    expect(
      await explainCommand({ configFile: join(dir, 'gateway.yaml'), file: sample, route: '/nope' }, missing.w),
    ).toBe(2);
    expect(missing.err.join('\n')).toContain('no route for POST /nope');
  });
});

describe('explain()', () => {
  it('works with the default engine (rules/ under the working directory)', async () => {
    const { explain } = await import('../../../src/signatures/explain.js');
    const prev = process.cwd();
    process.chdir(REPO);
    try {
      const e = explain('\\^^69nput{/etc/passwd}');
      expect(e.decision).toBe('deny');
      expect(e.normalised).toBe('⟪caret⟫\\input{/etc/passwd}');
      expect(e.matches.map((m) => m.rule)).toEqual(
        expect.arrayContaining(['latex.obfuscation.caret-csname', 'latex.file-read.input-path']),
      );
    } finally {
      process.chdir(prev);
    }
  });
});

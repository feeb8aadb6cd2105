// The SecLang parser and engine on small rule sets written here: lexing, actions, targets, transformations,
// chains and setvar, skipAfter, exclusions, and the errors a bad rule file gets (file:line:col, all at once).
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lexSecLang } from '../../../src/crs/directives.js';
import { parseActions } from '../../../src/crs/actions.js';
import { parseTargets } from '../../../src/crs/variables.js';
import { TRANSFORMS } from '../../../src/crs/transforms.js';
import { compileProgram } from '../../../src/crs/compile.js';
import { evaluate } from '../../../src/crs/engine.js';
import type { CrsInput } from '../../../src/crs/input.js';
import { loadCrs } from '../../../src/crs/load.js';
import { ConfigError } from '../../../src/core/errors.js';
import { crsInput, entry } from '../../helpers/crs-input.js';

const e = entry;
const input = crsInput;

function program(text: string) {
  const { directives, problems } = lexSecLang(text, 'test.conf');
  expect(problems).toEqual([]);
  const r = compileProgram(directives, { readData: () => '' });
  expect(r.problems).toEqual([]);
  return r.program;
}

describe('lexer', () => {
  it('joins continued lines, skips comments, keeps backslashes that escape nothing but the quote', () => {
    const { directives } = lexSecLang(
      '# comment\nSecRule ARGS "@rx a\\d+\\"b" \\\n    "id:1,\\\n    phase:2,pass"\n\n  SecMarker END\n',
      'f.conf',
    );
    expect(directives).toEqual([
      { name: 'SecRule', args: ['ARGS', '@rx a\\d+"b', 'id:1,    phase:2,pass'], file: 'f.conf', line: 2, col: 1 },
      { name: 'SecMarker', args: ['END'], file: 'f.conf', line: 6, col: 3 },
    ]);
  });

  it('reports an unterminated quote at its line and column', () => {
    expect(lexSecLang('\nSecRule ARGS "@rx x', 'f.conf').problems).toEqual([
      { file: 'f.conf', line: 2, col: 14, message: 'unterminated " quote' },
    ]);
  });
});

describe('actions and targets', () => {
  it('splits actions on commas outside quotes', () => {
    expect(parseActions("id:1,msg:'a, b',setvar:'tx.x=+%{tx.y}',t:none, nolog").actions).toEqual([
      { name: 'id', value: '1' },
      { name: 'msg', value: 'a, b' },
      { name: 'setvar', value: 'tx.x=+%{tx.y}' },
      { name: 't', value: 'none' },
      { name: 'nolog', value: '' },
    ]);
  });

  it('reads exclusions, counts, regex keys with | inside, and XPath', () => {
    const { targets, error } = parseTargets('ARGS|!ARGS:foo|&TX:x|REQUEST_HEADERS:/^(a|b)$/|XML:/*');
    expect(error).toBeNull();
    expect(targets.map((t) => [t.name, t.key, t.keyIsRegex, t.exclude, t.count])).toEqual([
      ['ARGS', null, false, false, false],
      ['ARGS', 'foo', false, true, false],
      ['TX', 'x', false, false, true],
      ['REQUEST_HEADERS', '^(a|b)$', true, false, false],
      ['XML', '/*', false, false, false],
    ]);
  });
});

describe('transformations', () => {
  const t = (name: string, s: string) => TRANSFORMS.get(name)!(s);
  it('decode as ModSecurity does, on bytes', () => {
    expect(t('urldecodeuni', 'a%27%u0041%uff1c+b%zz')).toBe("a'A< b%zz");
    expect(t('htmlentitydecode', '&lt;&#x3c;&#0000060;&quot&amp;')).toBe('<<<"&');
    expect(t('jsdecode', '\\x3cscript\\u003e\\n')).toBe('<script>\n');
    expect(t('cssdecode', 'j\\61 vascript')).toBe('javascript');
    expect(t('cmdline', "C^at  /e't'c\\\\/passwd ; ls")).toBe('cat/etc/passwd ls');
    expect(t('replacecomments', 'a/*x*/b/*open')).toBe('a b ');
    expect(t('normalizepathwin', 'a\\b\\..\\.\\c//d')).toBe('a/c/d');
    expect(t('utf8tounicode', Buffer.from('é<', 'utf8').toString('latin1'))).toBe('%u00e9<');
    expect(t('base64decode', 'PHNjcmlwdD4=')).toBe('<script>');
    expect(t('compresswhitespace', 'a \t\n b')).toBe('a b');
    expect(t('length', 'abcd')).toBe('4');
  });
});

describe('engine', () => {
  it('chains, captures, setvar with macros and the anomaly threshold deny', () => {
    const p = program(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.threshold=5,setvar:tx.score=0"
SecRule ARGS "@rx (evil)(\\d+)" "id:10,phase:2,pass,capture,t:lowercase,chain"
  SecRule TX:2 "@ge 10" "setvar:'tx.score=+%{tx.2}',setvar:'tx.where=%{MATCHED_VAR_NAME}'"
SecRule TX:SCORE "@ge %{tx.threshold}" "id:20,phase:2,deny"
`);
    expect(evaluate(p, input({ argsPost: [e('a', 'EVIL5')] })).deniedBy).toBe(0);
    const r = evaluate(p, input({ argsPost: [e('title', 'x EVIL12')] }));
    expect(r.deniedBy).toBe(20);
    expect(r.matches.map((m) => m.id)).toEqual([10, 20]);
  });

  it('a setvar name a macro expands is lower case, whatever the macro brought', () => {
    // The name's own text is lower case; a capture of a value not lowered (here no t:lowercase) is lowered with
    // the whole name, ASCII or not (Σ at a word's end lowers to the final sigma, as the whole name reads it).
    const p = program(`
SecRule REQUEST_HEADERS_NAMES "@rx ^(.*)$" "id:1,phase:1,pass,nolog,capture,setvar:'tx.seen_%{tx.1}=1'"
SecRule TX:/^seen_/ "@eq 1" "id:2,phase:1,pass,log,chain"
  SecRule MATCHED_VAR_NAME "@rx ^TX:seen_(?:x-big|x-small|x-greekσς|x-plain)$"
SecRule TX:/^seen_/ "@eq 1" "id:3,phase:1,pass,log,chain"
  SecRule MATCHED_VAR_NAME "@rx ^TX:.*[A-ZΣ]"
`);
    for (const name of ['X-Big', 'x-small', 'x-greekσΣ', 'x-plain']) {
      const ids = evaluate(p, input({ headers: [e(name, 'v')] })).matches.map((m) => m.id);
      expect(ids, name).toEqual([2]);
    }
  });

  it('skipAfter jumps to the marker, SecRuleRemoveById and !targets and ctl exclusions hold', () => {
    const p = program(`
SecRule ARGS:skip "@streq 1" "id:1,phase:2,pass,nolog,skipAfter:END"
SecRule ARGS "@contains bad" "id:2,phase:2,pass"
SecRule ARGS|!ARGS:ok "@contains bad" "id:3,phase:2,pass"
SecRule ARGS "@contains bad" "id:4,phase:2,pass"
SecMarker END
SecRule REQUEST_HEADERS:X-Off "@streq 1" "id:5,phase:1,pass,nolog,ctl:ruleRemoveTargetById=2;ARGS:ok"
SecRuleRemoveById 4
`);
    const ids = (i: CrsInput) => evaluate(p, i).matches.map((m) => m.id);
    expect(ids(input({ argsPost: [e('ok', 'bad')] }))).toEqual([2]);
    expect(ids(input({ argsPost: [e('x', 'bad')] }))).toEqual([2, 3]);
    expect(ids(input({ argsPost: [e('x', 'bad'), e('skip', '1')] }))).toEqual([]);
    expect(ids(input({ argsPost: [e('ok', 'bad')], headers: [e('x-off', '1')] }))).toEqual([]);
  });

  it('a ctl removing targets holds for every kind of link: one value, multiMatch stages, a count, a scalar', () => {
    // As 941010 does: a request's ctl takes targets from rules by tag; those links read the request without them.
    const p = program(`
SecRule REQUEST_HEADERS:X-Trim "@streq 1" "id:1,phase:1,pass,nolog,ctl:ruleRemoveTargetByTag=trim;ARGS:a,ctl:ruleRemoveTargetByTag=trim;REQUEST_FILENAME"
SecRule ARGS|REQUEST_FILENAME "@contains bad" "id:2,phase:2,pass,tag:'trim'"
SecRule ARGS|REQUEST_FILENAME "@contains bad" "id:3,phase:2,pass,multiMatch,t:lowercase,t:urlDecode,tag:'trim'"
SecRule &ARGS "@ge 2" "id:4,phase:2,pass,tag:'trim'"
SecRule ARGS "@contains bad" "id:5,phase:2,pass"
`);
    const ids = (i: CrsInput) => evaluate(p, i).matches.map((m) => m.id);
    const trim = [e('x-trim', '1')];
    const args = [e('a', 'BAD'), e('b', 'ok')];
    expect(ids(input({ argsPost: args }))).toEqual([3, 4]);
    expect(ids(input({ argsPost: args, headers: trim }))).toEqual([]);
    expect(ids(input({ argsPost: [e('a', 'x'), e('b', 'b%61d')], headers: trim }))).toEqual([3]);
    expect(ids(input({ argsPost: [e('b', 'bad'), e('c', '')], headers: trim }))).toEqual([2, 3, 4, 5]);
    expect(ids(input({ filename: '/bad', argsPost: [] }))).toEqual([2, 3]);
    expect(ids(input({ filename: '/bad', argsPost: [], headers: trim }))).toEqual([]);
  });

  it('lists a rule it cannot run with its id, and leaves the whole chain out', () => {
    const { directives } = lexSecLang(
      `SecRule ARGS "@detectSQLi" "id:7,phase:2,block"
SecRule ARGS "@rx a" "id:8,phase:2,block,chain"
  SecRule ARGS "@rx b" "t:nosuchthing"
SecRule ARGS "@rx a" "id:9,phase:2,block"`,
      'u.conf',
    );
    const { program: p, problems } = compileProgram(directives, { readData: () => '' });
    expect(problems).toEqual([]);
    expect(p.unsupported.map((u) => [u.id, u.where, u.why])).toEqual([
      [7, 'u.conf:1', 'operator @detectSQLi is not supported'],
      [8, 'u.conf:2', 'transformation t:nosuchthing is not supported'],
    ]);
    expect(p.phases[1]!.map((r) => r.id)).toEqual([9]);
  });
});

describe('loading a directory', () => {
  it('reports every broken directive at once, with file:line:col', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crs-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'A.conf'), 'SecRule ARGS "@rx a" "phase:2,pass"\n\nSecFrobnicate on\n');
    writeFileSync(join(dir, 'rules', 'B.conf'), 'SecRule ARGS "@rx a" "id:1,msg:\'open"\n');
    let err: unknown;
    try {
      loadCrs({ dir, paranoia_level: 1, anomaly_threshold: 5 });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message.split('\n')).toEqual([
      `${join(dir, 'rules', 'A.conf')}:1:1 checks.crs: SecRule: a rule needs an id`,
      `${join(dir, 'rules', 'A.conf')}:3:1 checks.crs: SecFrobnicate: directive is not supported`,
      `${join(dir, 'rules', 'B.conf')}:1:1 checks.crs: SecRule: unterminated quote in action msg`,
    ]);
  });
});

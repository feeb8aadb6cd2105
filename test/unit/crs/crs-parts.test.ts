// The smaller parts of the CRS engine one by one: every operator and transformation CRS uses or may use,
// removal and update directives, ctl forms, the gateway's exclusions as ctl actions, and the check report.
import { describe, expect, it } from 'vitest';
import { compileOperator, UnsupportedOperator } from '../../../src/crs/operators.js';
import { TRANSFORMS } from '../../../src/crs/transforms.js';
import { lexSecLang } from '../../../src/crs/directives.js';
import { compileProgram } from '../../../src/crs/compile.js';
import { evaluate } from '../../../src/crs/engine.js';
import { exclusionCtls } from '../../../src/crs/exclusions.js';
import { parseTargets } from '../../../src/crs/variables.js';
import { crsReport } from '../../../src/crs/report.js';
import { configSchema } from '../../../src/config/schema.js';
import type { CrsInput, Entry } from '../../../src/crs/input.js';

const e = (key: string, value: string): Entry => ({ key, lkey: key.toLowerCase(), value });
const input = (over: Partial<CrsInput> = {}): CrsInput => ({
  method: 'GET',
  uri: '/a/b.php?x=1',
  filename: '/a/b.php',
  basename: 'b.php',
  protocol: 'HTTP/1.1',
  queryString: 'x=1',
  body: '',
  bodyLength: 0,
  bodyProcessor: '',
  remoteAddr: '10.1.2.3',
  uniqueId: 'u',
  argsGet: [e('x', '1')],
  argsPost: [],
  headers: [e('host', 'example.org'), e('user-agent', 'curl/8')],
  cookies: [e('sid', 'abc')],
  xml: [],
  files: [],
  partHeaders: [],
  ...over,
});

const op = (name: string, arg: string, data = '') => compileOperator(name, arg, () => data);
const hit = (name: string, arg: string, v: string, data = '') => op(name, arg, data).match(v, arg, true) !== null;

describe('operators', () => {
  it('match as ModSecurity documents them', () => {
    expect(hit('pm', 'foo bar', 'xxBARxx')).toBe(true);
    expect(hit('pm', 'foo bar', 'baz')).toBe(false);
    expect(hit('pmFromFile', 'x.data', 'a /etc/shadow b', '# comment\n\n/etc/shadow\n')).toBe(true);
    expect(hit('streq', 'abc', 'abc')).toBe(true);
    expect(hit('contains', 'b', 'abc')).toBe(true);
    expect(hit('containsWord', 'or', 'a or b')).toBe(true);
    expect(hit('containsWord', 'or', 'order')).toBe(false);
    expect(hit('beginsWith', 'ab', 'abc')).toBe(true);
    expect(hit('endsWith', 'bc', 'abc')).toBe(true);
    expect(hit('within', 'GET HEAD POST', 'HEAD')).toBe(true);
    expect(hit('within', 'GET HEAD POST', 'PUT')).toBe(false);
    expect(hit('eq', '3', '3')).toBe(true);
    expect(hit('gt', '3', '4')).toBe(true);
    expect(hit('le', '3', 'x')).toBe(true);
    expect(hit('ipMatch', '10.0.0.0/8,::1', '10.1.2.3')).toBe(true);
    expect(hit('ipMatch', '10.0.0.0/8,::1', '192.0.2.1')).toBe(false);
    expect(hit('validateByteRange', '32-126', 'abc')).toBe(false);
    expect(hit('validateByteRange', '32-126', 'a\x01')).toBe(true);
    expect(hit('validateUrlEncoding', '', 'a%zz')).toBe(true);
    expect(hit('validateUrlEncoding', '', 'a%41')).toBe(false);
    expect(hit('validateUtf8Encoding', '', '\xc3\xa9')).toBe(false);
    expect(hit('validateUtf8Encoding', '', '\xc3\x28')).toBe(true);
    expect(hit('noMatch', '', 'x')).toBe(false);
    expect(op('rx', '(a)(b)').match('xab', '', true)).toEqual(['ab', 'a', 'b']);
  });

  it('@within answers the same when it keeps answers: per list, past its bounds, for long values', () => {
    const within = op('within', '%{tx.list}');
    const lists = ['/proxy/ /if/ /lock-token/', '/host/ /accept/'];
    const values = ['/if/', '/host/', '/proxy/', '', 'lock', '/HOST/'];
    // more values than it keeps (256 per list), and the same values again after
    const many = Array.from({ length: 600 }, (_, k) => `/h${k % 300}/`);
    for (let round = 0; round < 3; round++) {
      for (const list of lists) {
        for (const v of [...values, ...many])
          expect(within.match(v, list) !== null, `${v} in ${list}`).toBe(list.includes(v));
      }
    }
    // a value longer than it keeps, and a list longer than it keeps
    const long = `/${'x'.repeat(200)}/`;
    expect(within.match(long, `a ${long} b`) !== null).toBe(true);
    expect(within.match(long, 'a b') !== null).toBe(false);
    const longList = `${'/y/ '.repeat(2000)}/z/`;
    expect(within.match('/z/', longList) !== null).toBe(true);
    expect(within.match('/w/', longList) !== null).toBe(false);
  });

  it('refuse what they cannot run, by name', () => {
    for (const [n, a] of [
      ['detectSQLi', ''],
      ['rx', '(?<=a)b'],
      ['rx', '%{tx.x}'],
      ['validateByteRange', '1-300'],
      ['ipMatch', 'not-an-ip'],
    ] as const) {
      expect(() => op(n, a)).toThrow(UnsupportedOperator);
    }
  });
});

describe('transformations', () => {
  const t = (name: string, s: string) => TRANSFORMS.get(name)!(s);
  it('the rest of the list', () => {
    expect(t('uppercase', 'aB')).toBe('AB');
    expect(t('urldecode', 'a%41+%u0041')).toBe('aA %u0041');
    expect(t('removewhitespace', ' a \tb\n')).toBe('ab');
    expect(t('removenulls', 'a\0b')).toBe('ab');
    expect(t('replacenulls', 'a\0b')).toBe('a b');
    expect(t('removecommentschar', 'a/*b*/c--d#e')).toBe('abcde');
    expect(t('normalizepath', '/a/./b/../../../c/')).toBe('/c/');
    expect(t('normalisepath', 'a/../../b')).toBe('../b');
    expect(t('base64decodeext', 'PH.NjcmlwdD4')).toBe('<script>');
    expect(t('base64encode', '<')).toBe('PA==');
    expect(t('hexdecode', '3c61')).toBe('<a');
    expect(t('hexencode', '<a')).toBe('3c61');
    expect(t('escapeseqdecode', '\\x41\\101\\n\\q')).toBe('AA\n\\q');
    expect(t('trim', ' a ')).toBe('a');
    expect(t('trimleft', ' a ')).toBe('a ');
    expect(t('trimright', ' a ')).toBe(' a');
    // The digests as bytes (RFC 3174's and RFC 1321's test vectors), then a value's bytes above 0x7F as they are.
    expect(t('hexencode', t('sha1', 'abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(t('hexencode', t('md5', 'abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(t('hexencode', t('md5', '\u00ff'))).toBe('00594fd4f42ba43fc1ca0427a0576295');
    expect(t('jsdecode', '\\101\\t\\"')).toBe('A\t"');
    expect(t('cssdecode', 'a\\\nb\\')).toBe('ab');
  });
});

function program(text: string) {
  const { directives } = lexSecLang(text, 't.conf');
  const r = compileProgram(directives, { readData: () => '' });
  return r;
}

describe('directives', () => {
  it('removes and updates by tag and message, reads SecRuleEngine and quoted target keys', () => {
    const { program: p, problems } = program(`
SecRuleEngine DetectionOnly
SecDefaultAction "phase:2,log,auditlog,deny"
SecRule ARGS "@contains a" "id:1,phase:2,block,tag:'t-one',msg:'one'"
SecRule ARGS "@contains a" "id:2,phase:2,block,tag:'t-two',msg:'two'"
SecRule ARGS "@contains a" "id:3,phase:2,pass,msg:'three'"
SecRule "ARGS:'x y'" "@contains a" "id:4,phase:2,pass,log"
SecRuleRemoveByTag t-one
SecRuleRemoveByMsg ^two$
SecRuleUpdateTargetByTag t-none "!ARGS:z"
SecRuleUpdateTargetById 3 "!ARGS:skip|REQUEST_COOKIES"
`);
    expect(problems).toEqual([]);
    expect(p.ignored.get('SecRuleEngine detectiononly')).toBe(1);
    expect(p.phases[1]!.map((r) => r.id)).toEqual([3, 4]);
    const ids = evaluate(p, input({ argsGet: [e('skip', 'a')], cookies: [e('c', 'a')] })).matches.map((m) => m.id);
    expect(ids).toEqual([3]);
    expect(evaluate(p, input({ argsGet: [e('x y', 'a')] })).matches.map((m) => m.id)).toEqual([3, 4]);
  });

  it('a block rule takes the phase default (deny here), ctl:ruleEngine=DetectionOnly stops denying', () => {
    const { program: p } = program(`
SecDefaultAction "phase:2,log,deny"
SecRule REQUEST_HEADERS:x-dry "@streq 1" "id:1,phase:1,pass,nolog,ctl:ruleEngine=DetectionOnly"
SecRule ARGS "@contains evil" "id:2,phase:2,block"
SecRule ARGS "@contains off" "id:3,phase:2,pass,ctl:ruleEngine=Off"
SecRule ARGS "@contains off" "id:4,phase:2,deny"
`);
    expect(evaluate(p, input({ argsGet: [e('a', 'evil')] })).deniedBy).toBe(2);
    const dry = input({ argsGet: [e('a', 'evil')], headers: [e('x-dry', '1')] });
    expect(evaluate(p, dry).deniedBy).toBe(0);
    expect(evaluate(p, input({ argsGet: [e('a', 'off')] })).deniedBy).toBe(0);
  });

  it('reports bad directives and actions at their line', () => {
    const { problems } = program(`SecRule ARGS "@rx a"
SecRule ARGS "@rx a" "id:1,phase:9"
SecRule ARGS "@rx a" "id:2,ctl:ruleRemoveById=x"
SecRule ARGS "@rx a" "id:3,setvar:ip.x=1"
SecDefaultAction "log,pass"
SecRuleRemoveById abc
SecRuleEngine Maybe
SecRule ARGS "@rx a" "id:5,chain"
SecMarker X
`);
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [1, 'SecRule'],
      [5, 'SecDefaultAction'],
      [6, 'SecRuleRemoveById'],
      [7, 'SecRuleEngine'],
      [9, 'SecMarker'],
    ]);
  });

  it('parses quoted and regex keys, and refuses malformed target lists', () => {
    expect(parseTargets("ARGS:'a|b'").targets[0]!.key).toBe('a|b');
    expect(parseTargets('ARGS||TX').error).toMatch(/expected a variable name/);
    expect(parseTargets('ARGS:/abc').error).toMatch(/unterminated regex/);
    expect(parseTargets("ARGS:'abc").error).toMatch(/unterminated quoted key/);
    expect(parseTargets('ARGS ARGS').error).toMatch(/expected '\|'/);
  });
});

describe('the gateway exclusions', () => {
  const { program: p } = program(`
SecRule ARGS|REQUEST_HEADERS|REQUEST_COOKIES "@contains evil" "id:942100,phase:2,pass,tag:'attack-sqli'"
SecRule ARGS "@contains evil" "id:941100,phase:2,pass,tag:'attack-xss'"
`);
  const ids = (ctls: ReturnType<ReturnType<typeof exclusionCtls>['forRoute']>, i: CrsInput) =>
    evaluate(p, i, { ctls }).matches.map((m) => m.id);
  const evil = input({ argsGet: [e('title', 'evil')], headers: [e('referer', 'evil')] });

  it('without fields, remove rules (by id range or tag) for the routes named', () => {
    const ex = exclusionCtls([
      { rules: ['941000-941999'], tags: [], routes: ['compile'], fields: [] },
      { rules: [], tags: ['attack-sqli'], routes: ['other'], fields: [] },
    ]);
    expect(ids(ex.forRoute('compile'), evil)).toEqual([942100]);
    expect(ids(ex.forRoute('other'), evil)).toEqual([941100]);
    expect(ids(ex.forRoute(null), evil)).toEqual([942100, 941100]);
  });

  it('with fields, remove targets: a bare name is an argument, a SecLang target is itself', () => {
    const ex = exclusionCtls([
      { rules: ['942100'], tags: [], routes: [], fields: ['title', 'REQUEST_HEADERS:referer'] },
      { rules: [], tags: ['attack-xss'], routes: [], fields: ['ARGS:/^ti/'] },
    ]);
    expect(ids(ex.forRoute(null), evil)).toEqual([]);
    expect(ids(ex.forRoute('any'), input({ cookies: [e('c', 'evil')] }))).toEqual([942100]);
  });

  it('with a TX field, take that variable from the rules, one key or a count of it, alike', () => {
    const { program: q } = program(`
SecRule ARGS "@contains evil" "id:1,phase:1,pass,nolog,setvar:tx.score=5"
SecRule TX:score "@ge 5" "id:2,phase:2,pass,msg:'key'"
SecRule &TX:score "@eq 1" "id:3,phase:2,pass,msg:'count'"
SecRule TX:/^sco/ "@ge 5" "id:4,phase:2,pass,msg:'listed'"
SecRule TX:score|!TX:score "@ge 5" "id:5,phase:2,pass,msg:'its own exclusion'"
`);
    const run = (ctls: ReturnType<ReturnType<typeof exclusionCtls>['forRoute']>) =>
      evaluate(q, input({ argsGet: [e('q', 'evil')] }), { ctls }).matches.map((m) => m.id);
    expect(run(exclusionCtls([]).forRoute(null))).toEqual([2, 3, 4]);
    const ex = exclusionCtls([{ rules: ['2-4'], tags: [], routes: [], fields: ['TX:score'] }]);
    // the count is of what is left: none (3 then reads 0, as a listing of TX less the key would)
    for (let round = 0; round < 3; round++) expect(run(ex.forRoute(null)), `round ${round}`).toEqual([]);
  });
});

describe('the check report', () => {
  it('is empty when CRS is off', () => {
    expect(crsReport(configSchema.parse({ upstream: { url: 'http://127.0.0.1:9' } }))).toEqual([]);
  });
});

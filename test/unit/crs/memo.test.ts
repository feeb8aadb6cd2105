// What the CRS engine keeps of request values across requests (crs/memo.ts): a value is kept from its second
// sighting, long values never, the cache is bounded, and on CRS itself a request answers the same whatever
// earlier requests left behind as with nothing kept (captures replayed from a kept verdict included, and views
// of kept values shared only under the same names).
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../../src/crs/compile.js';
import { lexSecLang } from '../../../src/crs/directives.js';
import { evaluate, type CrsResult } from '../../../src/crs/engine.js';
import type { CrsInput, Entry } from '../../../src/crs/input.js';
import { loadCrs } from '../../../src/crs/load.js';
import { MEMO_MAX_LENGTH, MemoCache, memoCacheOf } from '../../../src/crs/memo.js';
import { planOf } from '../../../src/crs/plan.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';
import { crsInput, entry as e } from '../../helpers/crs-input.js';

describe('the value cache', () => {
  it('keeps a value from its second sighting on, and the same memo after', () => {
    const c = new MemoCache(8);
    const first = c.get('Mozilla/5.0');
    expect(first.kept).toBe(false);
    expect(c.size).toBe(0);
    const second = c.get('Mozilla/5.0');
    expect(second.kept).toBe(true);
    expect(c.get('Mozilla/5.0')).toBe(second);
    expect(c.size).toBe(1);
  });

  it('answers a young value by one lookup (youngMemo): the memo get() keeps, and nothing for one not kept', () => {
    const c = new MemoCache(8);
    c.get('gzip, deflate');
    // seen once: not kept, and the look does not count as a sighting
    expect(c.youngMemo('gzip, deflate')).toBeUndefined();
    expect(c.youngMemo('gzip, deflate')).toBeUndefined();
    const kept = c.get('gzip, deflate');
    expect(kept.kept).toBe(true);
    expect(c.youngMemo('gzip, deflate')).toBe(kept);
    expect(c.youngMemo('br')).toBeUndefined();
    expect(c.get('br').kept).toBe(false);
  });

  it('never keeps a value longer than MEMO_MAX_LENGTH', () => {
    const c = new MemoCache(8);
    const long = 'x'.repeat(MEMO_MAX_LENGTH + 1);
    for (let i = 0; i < 3; i++) expect(c.get(long).kept).toBe(false);
    expect(c.size).toBe(0);
    const edge = 'y'.repeat(MEMO_MAX_LENGTH);
    c.get(edge);
    expect(c.get(edge).kept).toBe(true);
  });

  it('holds at most two generations, and a value asked for every turn stays', () => {
    const c = new MemoCache(4);
    c.get('hot');
    const hot = c.get('hot');
    let v0 = null;
    for (let i = 0; i < 100; i++) {
      // each a value seen twice (kept), then the hot one
      c.get(`v${i}`);
      const kept = c.get(`v${i}`);
      expect(kept.kept).toBe(true);
      v0 ??= kept;
      expect(c.get('hot')).toBe(hot);
      expect(c.size).toBeLessThanOrEqual(8);
    }
    // an early value left with its generations: seen again, it is a new memo
    expect(c.get('v0')).not.toBe(v0);
  });
});

it('a view of kept values serves a later request only under the same names', () => {
  const { directives } = lexSecLang(
    `SecRule ARGS|REQUEST_COOKIES|REQUEST_HEADERS:User-Agent|REQUEST_HEADERS:Referer "@rx attack" "id:1,phase:2,deny,log"`,
    't.conf',
  );
  const { program, problems } = compileProgram(directives, { readData: () => '' });
  expect(problems).toEqual([]);
  const sent = [
    crsInput({ argsPost: [e('title', 'an attack')] }),
    crsInput({ argsPost: [e('q', 'an attack')] }),
    crsInput({ cookies: [e('q', 'an attack')] }),
    crsInput({ headers: [e('user-agent', 'an attack')] }),
    crsInput({ headers: [e('referer', 'an attack')] }),
  ];
  const expected = [
    'ARGS:title',
    'ARGS:q',
    'REQUEST_COOKIES:q',
    'REQUEST_HEADERS:user-agent',
    'REQUEST_HEADERS:referer',
  ];
  for (let round = 0; round < 4; round++) {
    sent.forEach((r, i) =>
      expect(
        evaluate(program, r).matches.map((m) => m.variable),
        `round ${round}`,
      ).toEqual([expected[i]]),
    );
  }
});

it("a kept view's trimmed forms serve a later request only under the same removals", () => {
  const { directives } = lexSecLang(
    [
      // the removals read a header: rule 10's view (ARGS) is the same on every request, its trimmed forms not
      'SecRule REQUEST_HEADERS:x-mode "@streq x" "id:1,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;ARGS:t"',
      'SecRule REQUEST_HEADERS:x-mode "@streq y" "id:2,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;ARGS:u"',
      'SecRule REQUEST_HEADERS:x-mode "@streq z" "id:3,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;ARGS:t,ctl:ruleRemoveTargetById=10;ARGS:u"',
      'SecRule ARGS "@rx attack" "id:10,phase:2,deny,log"',
    ].join('\n'),
    't.conf',
  );
  const { program, problems } = compileProgram(directives, { readData: () => '' });
  expect(problems).toEqual([]);
  const args = [e('t', 'attack t'), e('u', 'attack u')];
  const sent = ['x', 'y', 'z', 'w'].map((mode) => crsInput({ argsPost: args, headers: [e('x-mode', mode)] }));
  const expected = [['ARGS:u'], ['ARGS:t'], [], ['ARGS:u']];
  for (let round = 0; round < 4; round++) {
    sent.forEach((r, i) => {
      const got = evaluate(program, r).matches.map((m) => m.variable);
      expect(got, `request ${i}, round ${round}`).toEqual(expected[i]);
    });
  }
});

it("a kept view skips a link that matched none of its values, unless the link's operator reads macros", () => {
  const { directives } = lexSecLang(
    [
      // tx.want comes from a header: rule 10's answer on the same ARGS changes with it; rule 11's does not
      'SecRule REQUEST_HEADERS:x-want "@rx ^(.*)$" "id:1,phase:1,pass,nolog,capture,setvar:tx.want=%{tx.1}"',
      'SecRule ARGS "@streq %{tx.want}" "id:10,phase:2,pass,log"',
      'SecRule ARGS "@streq b" "id:11,phase:2,pass,log"',
    ].join('\n'),
    't.conf',
  );
  const { program, problems } = compileProgram(directives, { readData: () => '' });
  expect(problems).toEqual([]);
  const args = [e('t', 'a')];
  const sent = ['x', 'a', 'y', 'a'].map((want) => crsInput({ argsPost: args, headers: [e('x-want', want)] }));
  const expected = [[], ['10@ARGS:t'], [], ['10@ARGS:t']];
  for (let round = 0; round < 4; round++) {
    sent.forEach((r, i) => {
      const got = evaluate(program, r).matches.map((m) => `${m.id}@${m.variable}`);
      expect(got, `request ${i}, round ${round}`).toEqual(expected[i]);
    });
  }
  // and a miss is the link's own: rule 11 matches on its value once it is there
  expect(evaluate(program, crsInput({ argsPost: [e('t', 'b')], headers: [e('x-want', 'x')] })).matches.length).toBe(1);
});

/** What a result says, in order (matches, the rule that denied, the score). */
const summary = (r: CrsResult) => ({
  matches: r.matches.map((m) => `${m.id}@${m.variable}`),
  deniedBy: r.deniedBy,
  score: r.score,
});

const headers = (over: Entry[] = []): Entry[] => [
  e('host', 'example.org'),
  e('user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'),
  e('accept', 'image/svg+xml'),
  ...over,
];

describeCrs('CRS with values kept across requests', () => {
  const requests: CrsInput[] = [
    crsInput({ argsPost: [e('title', 'Parabola and secant'), e('options', 'scale=1.2')], headers: headers() }),
    // a content type outside the policy: 920420 captures it (TX:0) and its chain reads the capture
    crsInput({ argsPost: [e('title', 'Parabola')], headers: headers([e('content-type', 'application/x-evil')]) }),
    crsInput({ argsPost: [e('q', "1' OR '1'='1")], headers: headers([e('referer', '<script>alert(1)</script>')]) }),
    crsInput({ argsPost: [e('cmd', ';cat /etc/passwd')], headers: headers([e('user-agent', 'sqlmap/1.7')]) }),
    crsInput({ argsPost: [e('options', 'scale=1.2')], headers: headers([e('content-type', 'application/json')]) }),
    crsInput({ argsGet: [e('file', '../../../../etc/passwd')], queryString: 'file=../../../../etc/passwd' }),
  ];

  it.each([1, 2])('answer at paranoia level %i as with nothing kept, round after round', (pl) => {
    const { program } = loadCrs({ dir: CRS_DIR, paranoia_level: pl, anomaly_threshold: 5 });
    const fresh = requests.map((r) => summary(evaluate(program, r, { memo: false })));
    // the test means something: attacks refused, and the capture rule among the matches
    expect(fresh.filter((f) => f.deniedBy !== 0).length).toBeGreaterThanOrEqual(3);
    expect(fresh[1]!.matches.some((m) => m.startsWith('920420@'))).toBe(true);
    for (let round = 0; round < 3; round++) {
      // forwards, then backwards: each request meets what the others left
      const order = round % 2 === 0 ? requests.keys() : [...requests.keys()].reverse();
      for (const i of order)
        expect(summary(evaluate(program, requests[i]!)), `request ${i}, round ${round}`).toEqual(fresh[i]);
    }
    // values were kept and read (the shared headers at least)
    expect(memoCacheOf(planOf(program)).size).toBeGreaterThan(3);
  });
});

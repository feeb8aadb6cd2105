// Rules the configuration decides (src/crs/fold.ts, read through the plan): which they are, on small rule sets
// (vectors) and on CRS, and that replaying them answers every request exactly as evaluating them would,
// including after a ctl of the request removed a rule they depend on.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lexSecLang } from '../../../src/crs/directives.js';
import { compileProgram } from '../../../src/crs/compile.js';
import { planOf } from '../../../src/crs/plan.js';
import { evaluate, type CrsResult } from '../../../src/crs/engine.js';
import { loadCrs } from '../../../src/crs/load.js';
import type { Ctl, Program } from '../../../src/crs/rule.js';
import type { CrsInput, Entry } from '../../../src/crs/input.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';
import { crsInput, entry } from '../../helpers/crs-input.js';

interface Case {
  readonly name: string;
  readonly rules: string;
  readonly decided: readonly number[];
  readonly undecided: readonly number[];
}

const cases = parse(
  readFileSync(resolve(import.meta.dirname, '../../vectors/crs/config-decided.yaml'), 'utf8'),
) as Case[];

function program(text: string): Program {
  const { directives } = lexSecLang(text, 't.conf');
  const r = compileProgram(directives, { readData: () => '' });
  expect(r.problems).toEqual([]);
  return r.program;
}

function decidedIds(p: Program): { decided: number[]; undecided: number[] } {
  const flags = planOf(p).decided;
  const decided: number[] = [];
  const undecided: number[] = [];
  p.phases.forEach((rules, ph) =>
    rules.forEach((r, i) => {
      if (r.marker === null) (flags[ph]![i] ? decided : undecided).push(r.id);
    }),
  );
  return { decided, undecided };
}

const e = entry;
const input = (argsPost: Entry[], headers: Entry[] = [e('host', 'example.org')]): CrsInput =>
  crsInput({ argsPost, headers, uniqueId: 'u' });

const summary = (r: CrsResult) => ({ matches: r.matches, deniedBy: r.deniedBy, score: r.score });

/** An evaluation that replays nothing: a new (empty) set of exclusions has no traces yet. */
const cold = (p: Program, i: CrsInput) => summary(evaluate(p, i, { ctls: [] }));
const warm = (p: Program, i: CrsInput) => summary(evaluate(p, i));

describe('the rules every request runs alike first', () => {
  const p = program(`
    SecAction "id:1,phase:1,pass,nolog,setvar:tx.a=1"
    SecRule TX:a "@eq 2" "id:2,phase:1,deny,log,msg:'never'"
    SecAction "id:3,phase:1,pass,nolog,setvar:tx.b=%{tx.a}"
    SecAction "id:4,phase:1,pass,nolog,setvar:tx.ip=%{REMOTE_ADDR}"
    SecRule TX:ip "@streq 10.0.0.1" "id:5,phase:2,deny,log"
    SecRule TX:b "@eq 1" "id:6,phase:2,pass,log"
  `);
  const from = (remoteAddr: string): CrsInput => ({ ...input([]), remoteAddr });
  const ids = (r: CrsResult) => [r.deniedBy, ...r.matches.map((m) => m.id)];

  it("end at a setvar that reads the request (kept, it would hold the first request's address)", () => {
    expect(planOf(p).leadEnd).toBe(3);
    for (let round = 0; round < 3; round++) {
      expect(ids(evaluate(p, from('127.0.0.1'))), `round ${round}`).toEqual([0, 6]);
      expect(ids(evaluate(p, from('10.0.0.1'))), `round ${round}`).toEqual([5, 5]);
    }
  });

  it("are kept per set of the gateway's exclusions", () => {
    const without1: readonly Ctl[] = [{ kind: 'ruleRemoveById', ids: [{ from: 1, to: 1 }] }];
    for (let round = 0; round < 3; round++) {
      expect(ids(evaluate(p, from('127.0.0.1'))), `round ${round}`).toEqual([0, 6]);
      // without rule 1, tx.a is never set and tx.b is empty: rule 6 does not match
      expect(ids(evaluate(p, from('127.0.0.1'), { ctls: without1 })), `round ${round}`).toEqual([0]);
    }
  });
});

describe('rules the configuration decides', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { decided, undecided } = decidedIds(program(c.rules));
      for (const id of c.decided) expect(decided, `rule ${id}`).toContain(id);
      for (const id of c.undecided) expect(undecided, `rule ${id}`).toContain(id);
    });
  }

  it('are not replayed after a ctl of the request removed a rule they depend on', () => {
    const p = program(`
      SecAction "id:1,phase:1,pass,nolog,setvar:tx.a=1"
      SecRule ARGS:x "@streq off" "id:2,phase:1,pass,nolog,ctl:ruleRemoveById=3"
      SecRule TX:a "@eq 1" "id:3,phase:2,pass,nolog,setvar:tx.b=1"
      SecRule TX:b "@eq 1" "id:4,phase:2,deny,log,msg:'b'"
    `);
    expect(decidedIds(p).decided).toEqual([1, 3, 4]);
    // The first request traces 3 and 4 (both match); the second removes 3, so 4 must be evaluated again.
    expect(warm(p, input([e('x', 'on')])).deniedBy).toBe(4);
    expect(warm(p, input([e('x', 'off')])).deniedBy).toBe(0);
    expect(warm(p, input([e('x', 'on')])).deniedBy).toBe(4);
  });

  it('replay the actions: setvars read what the request changed, and a match is logged again', () => {
    const p = program(`
      SecRule ARGS "@rx attack" "id:1,phase:1,pass,nolog,setvar:tx.score=+5"
      SecRule &TX:pl "@eq 0" "id:2,phase:2,pass,log,msg:'sum',setvar:tx.total=+%{tx.score}"
      SecRule TX:total "@ge 5" "id:3,phase:2,deny,log,msg:'over'"
    `);
    expect(decidedIds(p).decided).toEqual([2]);
    for (let k = 0; k < 3; k++) {
      expect(warm(p, input([e('q', 'attack')])).deniedBy).toBe(3);
      expect(warm(p, input([e('q', 'fine')])).deniedBy).toBe(0);
      expect(warm(p, input([e('q', 'fine')])).matches.map((m) => m.id)).toEqual([2]);
    }
  });
});

describe('runs of decided rules that only match or skip', () => {
  // Crossed in one step on later requests (engine.ts, Jumps): what a request sees after the run, the rule the
  // walk resumes at and MATCHED_VAR, must be what visiting each rule leaves.
  const p = program(`
    SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1,setvar:tx.a=7"
    SecRule ARGS "@rx never-sent" "id:10,phase:1,pass,nolog,msg:'reads the request: ends the lead (not a run)'"
    SecRule TX:a "@eq 7" "id:11,phase:1,pass,nolog,msg:'matches first: the run leaves the last match, not this'"
    SecRule TX:pl "@lt 1" "id:2,phase:1,pass,nolog,skipAfter:END-A"
    SecRule TX:pl "@lt 2" "id:3,phase:1,pass,nolog,skipAfter:END-A"
    SecRule ARGS "@rx attack" "id:4,phase:1,deny,log,msg:'skipped at level 1'"
    SecMarker END-A
    SecMarker END-B
    SecRule MATCHED_VAR "@streq 1" "id:5,phase:1,pass,log,msg:'MATCHED_VAR is the level the skip matched'"
    SecRule TX:pl "@eq 1" "id:6,phase:2,pass,nolog,skip:1"
    SecRule ARGS "@rx attack" "id:7,phase:2,deny,log,msg:'skipped by skip:1'"
    SecRule TX:pl "@eq 9" "id:8,phase:2,pass,nolog"
    SecRule MATCHED_VARS_NAMES "@streq TX:pl" "id:9,phase:2,deny,log,msg:'MATCHED_VARS after the run'"
  `);

  it('are decided, and answer later requests as the first', () => {
    expect(decidedIds(p).decided).toEqual(expect.arrayContaining([11, 2, 3, 6, 8]));
    const sent = [input([e('q', 'an attack')]), input([e('q', 'fine')])];
    const first = sent.map((r) => cold(p, r));
    expect(first.map((r) => [r.deniedBy, ...r.matches.map((m) => m.id)])).toEqual([
      [9, 5, 9],
      [9, 5, 9],
    ]);
    for (let round = 0; round < 3; round++) {
      sent.forEach((r, i) => expect(warm(p, r), `request ${i}, round ${round}`).toEqual(first[i]));
    }
  });
});

it('a long run of markers is crossed without a deep recursion', () => {
  // Operators bring their own rule files: a run may be tens of thousands of rules long.
  const markers = Array.from({ length: 30_000 }, (_, k) => `SecMarker M${k}`).join('\n');
  const p = program(`
    SecRule ARGS "@rx never-sent" "id:1,phase:1,pass,nolog"
    SecRule TX:none "@eq 0" "id:2,phase:1,pass,nolog,skipAfter:M10"
    ${markers}
    SecRule ARGS "@rx attack" "id:3,phase:1,deny,log"
  `);
  for (let k = 0; k < 3; k++) expect(warm(p, input([e('q', 'an attack')])).deniedBy).toBe(3);
});

describeCrs('rules CRS leaves to its configuration', () => {
  const { program: crs } = loadCrs({ dir: CRS_DIR, paranoia_level: 1, anomaly_threshold: 5 });
  const { decided, undecided } = decidedIds(crs);

  it('include the setup and the paranoia-level skips, not the scoring and not the detection rules', () => {
    // 901400: sampling at 100 %; 942011/942012: skips of the SQLi file's PL2 rules; 949052: adds PL1's score.
    for (const id of [901100, 901400, 942011, 942012, 949052]) expect(decided).toContain(id);
    // 949110 reads the request's total; 932230 and 920280 read the request.
    for (const id of [949110, 932230, 920280, 901410]) expect(undecided).toContain(id);
  });

  it('replayed, answer every request as a fresh evaluation does', () => {
    const requests = [
      input([e('title', 'Parabola and secant'), e('caption', 'x^2/5')]),
      input([e('q', "1' OR '1'='1")]),
      input([e('q', '<script>alert(1)</script>')], []),
      input([e('cmd', ';cat /etc/passwd')], [e('host', 'example.org'), e('user-agent', 'sqlmap/1.7')]),
      input([]),
    ];
    const first = requests.map((r) => cold(crs, r));
    expect(first.map((r) => r.deniedBy).filter((d) => d !== 0).length).toBeGreaterThan(0);
    for (let round = 0; round < 3; round++) {
      requests.forEach((r, i) => expect(warm(crs, r), `request ${i}, round ${round}`).toEqual(first[i]));
    }
  });
});

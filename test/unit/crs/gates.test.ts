// The CRS prefilter: Aho-Corasick finds every literal, required atoms are what a match needs, and on CRS's own
// regression payloads no gate ever stays closed on a value its operator matches (the prefilter only loosens).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { AhoCorasick } from '../../../src/crs/aho-corasick.js';
import { requiredAtoms } from '../../../src/crs/atoms.js';
import { Gates, gatesOf, isOpen } from '../../../src/crs/gates.js';
import { lexSecLang } from '../../../src/crs/directives.js';
import { compileProgram } from '../../../src/crs/compile.js';
import { evaluate } from '../../../src/crs/engine.js';
import { loadCrs } from '../../../src/crs/load.js';
import type { Operator } from '../../../src/crs/operators.js';
import type { Rule } from '../../../src/crs/rule.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';
import { crsInput, entry } from '../../helpers/crs-input.js';

/** A seeded generator: the same strings on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

it('Aho-Corasick reports every literal a text holds, ignoring ASCII case, and no other', () => {
  const literals = ['he', 'she', 'his', 'hers', 'a', 'ab', 'bab', '<script', '../', '%2e', 'x'];
  const ac = new AhoCorasick(literals);
  const r = rng(7);
  const alphabet = 'abehirsSHEX<>/.%2crpt\u00e9\u0100 ';
  for (let n = 0; n < 2000; n++) {
    let t = '';
    const len = Math.floor(r() * 30);
    for (let i = 0; i < len; i++) t += alphabet[Math.floor(r() * alphabet.length)];
    const found = new Set<number>();
    const states = new Int32Array(ac.states);
    const n = ac.outputStates(t, new Uint8Array(ac.states), states);
    for (const s of states.subarray(0, n)) for (const id of ac.outputsOf(s)) found.add(id);
    const expected = new Set<number>();
    const lower = t.replace(/[A-Z]/g, (c) => c.toLowerCase());
    literals.forEach((l, id) => {
      if (lower.includes(l)) expected.add(id);
    });
    expect([...found].sort(), JSON.stringify(t)).toEqual([...expected].sort());
  }
  expect(() => new AhoCorasick(['\u0100'])).toThrow(RangeError);
});

it.each([
  ['abc', ['abc']],
  ['(?i)select|union', ['select', 'union']],
  ['a?bc', ['abc', 'bc']],
  ['[xY]z', ['xz', 'yz']],
  // Both are needed; one requirement is enough (the first of equal length).
  ['foo[0-9]+bar', ['foo']],
  ['\\bon[a-z]+=', ['on']],
  ['(?:ab|cd)+', ['ab', 'cd']],
  ['<(?:script|img)', ['<img', '<script']],
  ['x{2}y', ['xxy']],
])('%s requires one of %j', (pattern, atoms) => {
  const got = requiredAtoms(pattern);
  expect(got).toEqual(atoms);
});

it.each(['.*', 'a|.', '(?:x)?', '[^a]+', '\\d+', 'a*', '\\Qab\\E', '\u00e9+\u00e8'])('%s requires nothing', (p) => {
  expect(requiredAtoms(p)).toBeNull();
});

/** Every string the go-ftw tests send (URI, body, header values), with their URL-decoded and split forms. */
function payloads(): string[] {
  const root = join(CRS_DIR, 'tests/regression/tests');
  const out = new Set<string>();
  const add = (s: unknown): void => {
    if (typeof s !== 'string' || s.length > 2000) return;
    const forms = [s, ...s.split(/[&=?]/)];
    for (const f of forms) {
      out.add(f);
      try {
        out.add(decodeURIComponent(f.replace(/\+/g, ' ')));
      } catch {
        out.add(unescape(f));
      }
    }
  };
  for (const dir of readdirSync(root)) {
    if (!/^REQUEST-9[34]/.test(dir)) continue;
    for (const file of readdirSync(join(root, dir))) {
      const doc = parse(readFileSync(join(root, dir, file), 'utf8')) as {
        tests?: { stages?: { input?: { uri?: unknown; data?: unknown; headers?: Record<string, unknown> } }[] }[];
      };
      for (const t of doc.tests ?? [])
        for (const s of t.stages ?? []) {
          add(s.input?.uri);
          add(s.input?.data);
          for (const v of Object.values(s.input?.headers ?? {})) add(v);
        }
    }
  }
  return [...out].map((s) => Buffer.from(s, 'utf8').toString('latin1'));
}

describeCrs('the CRS prefilter on CRS', () => {
  it('never closes a gate on a value its operator matches (every operator at PL4, every go-ftw payload)', () => {
    const { program } = loadCrs({ dir: CRS_DIR, paranoia_level: 4, detection_paranoia_level: 4, anomaly_threshold: 5 });
    const ops = new Set<Operator>();
    for (const phase of program.phases)
      for (const r of phase) for (let l: Rule | null = r; l !== null; l = l.chained) ops.add(l.op);
    const gates = new Gates([...ops]);
    const gated = [...ops].filter((op) => gates.of(op) >= 0);
    expect(gated.length).toBeGreaterThan(200);
    const values = payloads();
    expect(values.length).toBeGreaterThan(5000);
    let skipped = 0;
    const wrong: string[] = [];
    for (const v of values) {
      const open = gates.open(v);
      for (const op of gated) {
        if (isOpen(open, gates.of(op))) continue;
        skipped++;
        if (op.match(v, '', false) !== null) wrong.push(`${op.name} ${JSON.stringify(v.slice(0, 80))}`);
      }
    }
    expect(wrong).toEqual([]);
    // And it is worth having: most (operator, value) pairs are decided without the operator.
    expect(skipped / (values.length * gated.length)).toBeGreaterThan(0.8);
  });
});

it('gives no gate to a rule above the level the program runs at, which still matches when reached', () => {
  const { directives } = lexSecLang(
    `SecRule ARGS "@rx <script" "id:1,phase:2,pass,log,tag:'paranoia-level/1'"
SecRule ARGS "@rx <iframe" "id:2,phase:2,pass,log,tag:'paranoia-level/2'"`,
    't.conf',
  );
  const compiled = compileProgram(directives, { readData: () => '' }).program;
  // As loadCrs marks it at PL1: rule 2 is above (CRS's own skips would keep it from running).
  const program = { ...compiled, detectionParanoia: 1 };
  const [r1, r2] = program.phases[1]!;
  const gates = gatesOf(program);
  expect(gates.of(r1!.op)).toBeGreaterThanOrEqual(0);
  expect(gates.of(r2!.op)).toBe(-1);
  expect(gatesOf(compiled).of(compiled.phases[1]![1]!.op)).toBeGreaterThanOrEqual(0);
  const args = crsInput({ argsPost: [entry('a', '<iframe src=x>')] });
  expect(evaluate(program, args).matches.map((m) => m.id)).toEqual([2]);
  expect(evaluate(compiled, args).matches.map((m) => m.id)).toEqual([2]);
});

// The TX collection over a shared base (crs/tx.ts) answers and lists as one Map holding both would: the order
// of a Map (a key set again keeps its place, one deleted and set again goes last), after any sequence of writes.
import { describe, expect, it } from 'vitest';
import { TxCollection } from '../../../src/crs/tx.js';
// The same seeded generator the behaviour forest trains with: the same sequences on every run.
import { seededRandom as random } from '../../../src/behaviour/forest.js';

const listed = (t: TxCollection): [string, string][] => {
  const out: [string, string][] = [];
  t.forEach((v, k) => out.push([k, v]));
  return out;
};

/** A key test (`TX:/^[a-d]/`): its base keys are found once per base. */
const early = { test: (k: string): boolean => k < 'e' };
const picked = (t: TxCollection): [string, string][] => {
  const out: [string, string][] = [];
  t.forEachPicked(early, early.test, (v, k) => out.push([k, v]));
  return out;
};

describe('the TX collection over a base', () => {
  it('answers and lists as a Map after any sequence of sets and deletes', () => {
    const rnd = random(17);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (let run = 0; run < 300; run++) {
      const base = new Map<string, string>();
      for (const k of keys) if (rnd() < 0.5) base.set(k, `base-${k}`);
      const tx = new TxCollection(base);
      const expected = new Map(base);
      for (let step = 0; step < 20; step++) {
        const k = keys[Math.floor(rnd() * keys.length)]!;
        const r = rnd();
        if (r < 0.5) {
          const v = r < 0.1 ? '' : `v${step}`;
          tx.set(k, v);
          expected.set(k, v);
        } else if (r < 0.8) {
          tx.delete(k);
          expected.delete(k);
        }
        for (const q of keys) expect(tx.get(q), `run ${run} step ${step} get ${q}`).toBe(expected.get(q));
        expect(listed(tx), `run ${run} step ${step}`).toEqual([...expected]);
        expect(picked(tx), `run ${run} step ${step}`).toEqual([...expected].filter(([k]) => early.test(k)));
      }
      expect([...tx.snapshot()]).toEqual([...expected]);
      // The base is never written.
      expect(base.size).toBeLessThanOrEqual(keys.length);
      for (const [k, v] of base) expect(v).toBe(`base-${k}`);
    }
  });

  it('requests over one base each list their own writes, the base keys picked once for all', () => {
    const base = new Map([
      ['a', '1'],
      ['f', '2'],
      ['b', '3'],
    ]);
    const one = new TxCollection(base);
    const two = new TxCollection(base);
    one.set('c', 'x');
    two.delete('a');
    two.set('d', 'y');
    expect(picked(one)).toEqual([
      ['a', '1'],
      ['b', '3'],
      ['c', 'x'],
    ]);
    expect(picked(two)).toEqual([
      ['b', '3'],
      ['d', 'y'],
    ]);
    expect(picked(new TxCollection(base))).toEqual([
      ['a', '1'],
      ['b', '3'],
    ]);
  });

  it('a key of the base deleted and set again goes last, one set again keeps its place', () => {
    const tx = new TxCollection(
      new Map([
        ['x', '1'],
        ['y', '2'],
        ['z', '3'],
      ]),
    );
    tx.set('y', '20');
    tx.delete('x');
    tx.set('x', '10');
    tx.set('w', '0');
    expect(listed(tx)).toEqual([
      ['y', '20'],
      ['z', '3'],
      ['x', '10'],
      ['w', '0'],
    ]);
  });
});

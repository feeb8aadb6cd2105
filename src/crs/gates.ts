// The prefilter of a CRS program: every operator with required atoms (crs/atoms.ts) is a gate; one
// Aho-Corasick pass over a value tells which gates it opens. A rule's operator runs only on values that open
// its gate, so most (rule, value) pairs of ordinary traffic cost a byte lookup instead of a regex call.
import { AhoCorasick } from './aho-corasick.js';
import type { Operator } from './operators.js';
import type { Program, Rule } from './rule.js';

/** Whether gate `g` is open in a set open() returned. */
export const isOpen = (open: readonly number[], g: number): boolean => (open[g >> 5]! & (1 << (g & 31))) !== 0;

export class Gates {
  private readonly ac: AhoCorasick;
  private readonly gateOf = new Map<Operator, number>();
  readonly count: number;
  /** Words (32 gates each) of a set open() returns. */
  readonly words: number;
  /** Scratch of open(): states with outputs met in the value being scanned (reset before it returns). */
  private readonly seen: Uint8Array;
  private readonly found: Int32Array;
  /**
   * Per automaton state, the gates its literals open, sparse (a state opens one to three gates: OR-ing every word
   * of a set per state cost as much as the scan): the pairs gateWord[i] / gateMask[i] for i in
   * [gateStart[state], gateStart[state + 1]).
   */
  private readonly gateStart: Int32Array;
  private readonly gateWord: Int32Array;
  private readonly gateMask: Int32Array;

  constructor(operators: readonly Operator[]) {
    const atomIds = new Map<string, number>();
    const gatesOfAtom: number[][] = [];
    let g = 0;
    for (const op of operators) {
      if (op.atoms === null || op.atoms.length === 0 || this.gateOf.has(op)) continue;
      const gate = g++;
      this.gateOf.set(op, gate);
      for (const a of op.atoms) {
        let id = atomIds.get(a);
        if (id === undefined) {
          atomIds.set(a, (id = gatesOfAtom.length));
          gatesOfAtom.push([]);
        }
        gatesOfAtom[id]!.push(gate);
      }
    }
    this.count = g;
    this.words = (g + 31) >> 5;
    this.ac = new AhoCorasick([...atomIds.keys()]);
    const states = this.ac.states;
    this.seen = new Uint8Array(states);
    this.found = new Int32Array(states);
    this.gateStart = new Int32Array(states + 1);
    const word: number[] = [];
    const mask: number[] = [];
    const bits = new Int32Array(this.words);
    for (let state = 0; state < states; state++) {
      bits.fill(0);
      for (const atom of this.ac.outputsOf(state)) {
        for (const gate of gatesOfAtom[atom]!) bits[gate >> 5]! |= 1 << (gate & 31);
      }
      for (let w = 0; w < this.words; w++) {
        if (bits[w] === 0) continue;
        word.push(w);
        mask.push(bits[w]!);
      }
      this.gateStart[state + 1] = word.length;
    }
    this.gateWord = Int32Array.from(word);
    this.gateMask = Int32Array.from(mask);
  }

  /** The gate of an operator, -1 when it has none (it always runs). */
  of(op: Operator): number {
    return this.gateOf.get(op) ?? -1;
  }

  /**
   * Which gates a value opens, as a bit set (gate g is bit g % 32 of word g >> 5). A plain array of small
   * integers: allocating a typed array costs more than scanning a header.
   */
  open(value: string): number[] {
    const words = this.words;
    const open = new Array<number>(words);
    for (let w = 0; w < words; w++) open[w] = 0;
    if (value.length === 0) return open;
    const seen = this.seen;
    const found = this.found;
    const n = this.ac.outputStates(value, seen, found);
    const { gateStart, gateWord, gateMask } = this;
    for (let k = 0; k < n; k++) {
      const state = found[k]!;
      seen[state] = 0;
      for (let i = gateStart[state]!, end = gateStart[state + 1]!; i < end; i++) open[gateWord[i]!]! |= gateMask[i]!;
    }
    return open;
  }
}

const built = new WeakMap<Program, Gates>();

/** The gates of a program, built on its first evaluation and kept as long as the program. */
export function gatesOf(program: Program): Gates {
  let g = built.get(program);
  if (g === undefined) {
    const ops: Operator[] = [];
    const level = program.detectionParanoia ?? Infinity;
    for (const phase of program.phases) {
      for (const r of phase) {
        // Above the level CRS runs at, a rule is never reached: its atoms would only make every scan longer.
        if (r.paranoia > level) continue;
        for (let l: Rule | null = r; l !== null; l = l.chained) ops.push(l.op);
      }
    }
    built.set(program, (g = new Gates(ops)));
  }
  return g;
}

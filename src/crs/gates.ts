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
  /** For each atom id, the gates that list it. */
  private readonly gatesOfAtom: readonly (readonly number[])[];
  private readonly gateOf = new Map<Operator, number>();
  readonly count: number;
  private readonly words: number;
  /** Scratch of open(): atoms found in the value being scanned (reset before it returns; scans never nest). */
  private readonly seen: Uint8Array;
  private readonly found: number[] = [];

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
    this.gatesOfAtom = gatesOfAtom;
    this.seen = new Uint8Array(gatesOfAtom.length);
    this.ac = new AhoCorasick([...atomIds.keys()]);
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
    const open = new Array<number>(this.words).fill(0);
    if (value.length === 0) return open;
    // An atom found many times (a letter, a space) opens its gates once: collect distinct atoms first.
    const seen = this.seen;
    const found = this.found;
    found.length = 0;
    this.ac.scan(value, (atom) => {
      if (seen[atom] === 0) {
        seen[atom] = 1;
        found.push(atom);
      }
    });
    for (const atom of found) {
      seen[atom] = 0;
      for (const gate of this.gatesOfAtom[atom]!) open[gate >> 5]! |= 1 << (gate & 31);
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
    for (const phase of program.phases) {
      for (const r of phase) for (let l: Rule | null = r; l !== null; l = l.chained) ops.push(l.op);
    }
    built.set(program, (g = new Gates(ops)));
  }
  return g;
}

// Aho-Corasick over bytes (a CRS value is a byte string), ignoring ASCII case: finds, in one pass over a value, every literal of a set that occurs
// in it. Built once per CRS program (the atoms of its rules); a scan is a table lookup per character.

/** The alphabet: bytes. A character above 0xFF goes back to the root (no literal holds it). */
const ALPHABET = 256;
/** A state with at least this many children is given a dense row (a scan of its children would be slow). */
const DENSE_CHILDREN = 3;

export class AhoCorasick {
  /** The root's transitions, dense (most characters of a text are read at or near the root). */
  private readonly rootNext: Int32Array;
  /** Children of state s: edgeChar/edgeTo[childStart[s] .. childStart[s + 1]] (sparse: a big trie stays small). */
  private readonly childStart: Int32Array;
  private readonly edgeChar: Uint8Array;
  private readonly edgeTo: Int32Array;
  private readonly fail: Int32Array;
  /** States with many children (near the root) get a dense row: denseRow[s] * ALPHABET, or -1 (sparse). */
  private readonly denseRow: Int32Array;
  private readonly dense: Int32Array;
  /** outStart[state]..outStart[state + 1]: the literal ids ending at this state (own and by failure link). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;

  /** `literals`: byte strings, non-empty, compared ignoring ASCII case. Their ids are their indexes. */
  constructor(literals: readonly string[]) {
    const edges: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    literals.forEach((lit, id) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const c = fold(lit.charCodeAt(i));
        if (c >= ALPHABET) throw new RangeError(`not a byte string: ${JSON.stringify(lit)}`);
        let t = edges[s]!.get(c);
        if (t === undefined) {
          t = edges.length;
          edges.push(new Map());
          own.push([]);
          edges[s]!.set(c, t);
        }
        s = t;
      }
      own[s]!.push(id);
    });
    const n = edges.length;
    const childStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) childStart[s + 1] = childStart[s]! + edges[s]!.size;
    const edgeChar = new Uint8Array(childStart[n]!);
    const edgeTo = new Int32Array(childStart[n]!);
    for (let s = 0; s < n; s++) {
      let e = childStart[s]!;
      for (const [c, t] of edges[s]!) {
        edgeChar[e] = c;
        edgeTo[e++] = t;
      }
    }
    this.childStart = childStart;
    this.edgeChar = edgeChar;
    this.edgeTo = edgeTo;
    const rootNext = new Int32Array(ALPHABET);
    for (const [c, t] of edges[0]!) rootNext[c] = t;
    for (let c = 65; c <= 90; c++) rootNext[c] = rootNext[c + 32]!;
    this.rootNext = rootNext;
    const denseRow = new Int32Array(n).fill(-1);
    let rows = 0;
    for (let s = 1; s < n; s++) if (edges[s]!.size >= DENSE_CHILDREN) denseRow[s] = rows++;
    const dense = new Int32Array(rows * ALPHABET).fill(-1);
    for (let s = 1; s < n; s++) {
      if (denseRow[s]! < 0) continue;
      for (const [c, t] of edges[s]!) dense[denseRow[s]! * ALPHABET + c] = t;
    }
    this.denseRow = denseRow;
    this.dense = dense;
    const fail = new Int32Array(n);
    this.fail = fail;
    const out: number[][] = own.map((o) => [...o]);
    // Breadth first: a state's failure target is shallower, so its own failure and outputs are complete.
    const queue: number[] = [...edges[0]!.values()];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (const id of out[fail[s]!]!) out[s]!.push(id);
      for (const [c, t] of edges[s]!) {
        fail[t] = this.step(fail[s]!, c);
        queue.push(t);
      }
    }
    const outStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) outStart[s + 1] = outStart[s]! + out[s]!.length;
    const outIds = new Int32Array(outStart[n]!);
    for (let s = 0; s < n; s++) outIds.set(out[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outIds = outIds;
  }

  /** The state after reading folded character `c` in state `s`, following failure links. */
  private step(s: number, c: number): number {
    for (;;) {
      if (s === 0) return this.rootNext[c]!;
      const row = this.denseRow[s]!;
      if (row >= 0) {
        const t = this.dense[row * ALPHABET + c]!;
        if (t >= 0) return t;
      } else {
        for (let e = this.childStart[s]!, end = this.childStart[s + 1]!; e < end; e++) {
          if (this.edgeChar[e] === c) return this.edgeTo[e]!;
        }
      }
      s = this.fail[s]!;
    }
  }

  /** How many states the automaton has (state ids are 0 .. states - 1). */
  get states(): number {
    return this.fail.length;
  }

  /** The literal ids that end at a state (its own and those reached by failure links). */
  outputsOf(state: number): Int32Array {
    return this.outIds.subarray(this.outStart[state]!, this.outStart[state + 1]!);
  }

  /**
   * Pushes onto `found` each distinct state with outputs that reading `text` passes through, marking it in
   * `seen` (the caller clears those marks). A state stands for all its literals: a text that repeats a
   * literal (a letter, a space) costs one entry, not one call per occurrence.
   */
  outputStates(text: string, seen: Uint8Array, found: number[]): void {
    // step() written out with the tables in locals: this loop runs for every character of every value.
    const { outStart, rootNext, denseRow, dense, childStart, edgeChar, edgeTo, fail } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= ALPHABET) {
        s = 0;
        continue;
      }
      if (c >= 65 && c <= 90) c += 32;
      for (;;) {
        if (s === 0) {
          s = rootNext[c]!;
          break;
        }
        const row = denseRow[s]!;
        let t = -1;
        if (row >= 0) t = dense[row * ALPHABET + c]!;
        else {
          for (let e = childStart[s]!, end = childStart[s + 1]!; e < end; e++) {
            if (edgeChar[e] === c) {
              t = edgeTo[e]!;
              break;
            }
          }
        }
        if (t >= 0) {
          s = t;
          break;
        }
        s = fail[s]!;
      }
      if (outStart[s] !== outStart[s + 1] && seen[s] === 0) {
        seen[s] = 1;
        found.push(s);
      }
    }
  }
}

/** ASCII upper case to lower case; every other code unchanged. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

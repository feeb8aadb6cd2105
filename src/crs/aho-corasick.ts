// Aho-Corasick over bytes (a CRS value is a byte string), ignoring ASCII case: finds, in one pass over a value, every literal of a set that occurs
// in it. Built once per CRS program (the atoms of its rules); a scan is a table lookup per character.

/** The alphabet: bytes. A character above 0xFF goes back to the root (no literal holds it). */
const ALPHABET = 256;

export class AhoCorasick {
  /**
   * Byte -> character class: 0 for every byte no literal holds (it sends any state back to the root), else one
   * class per distinct byte the literals hold, upper and lower case sharing theirs (about 100 for CRS).
   */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  /**
   * The automaton as a table, failure links folded in: next state = delta[state * classes + class]. One lookup
   * per character whatever the state (following failure links at scan time cost most of a scan). 16-bit entries
   * while the states fit: CRS's 31,400 states x 101 classes take 6.3 MB.
   */
  private readonly delta: Uint16Array | Int32Array;
  /** outStart[state]..outStart[state + 1]: the literal ids ending at this state (own and by failure link). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** 1 for a state with outputs (outStart's test, one read instead of two in the scan). */
  private readonly hasOut: Uint8Array;

  /** `literals`: byte strings, non-empty, compared ignoring ASCII case. Their ids are their indexes. */
  constructor(literals: readonly string[]) {
    const classOf = new Uint8Array(ALPHABET);
    let classes = 1;
    for (const lit of literals) {
      for (let i = 0; i < lit.length; i++) {
        const c = fold(lit.charCodeAt(i));
        if (c >= ALPHABET) throw new RangeError(`not a byte string: ${JSON.stringify(lit)}`);
        if (classOf[c] === 0) classOf[c] = classes++;
      }
    }
    for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
    this.classOf = classOf;
    this.classes = classes;
    // The trie, its edges by class.
    const edges: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    literals.forEach((lit, literal) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const k = classOf[fold(lit.charCodeAt(i))]!;
        let t = edges[s]!.get(k);
        if (t === undefined) {
          t = edges.length;
          edges.push(new Map());
          own.push([]);
          edges[s]!.set(k, t);
        }
        s = t;
      }
      own[s]!.push(literal);
    });
    const n = edges.length;
    // States renumbered breadth first: the shallow states, where most characters of a text are read, share the
    // first rows of the table and stay in cache (in trie order, a scan missed the cache on most characters).
    const order = [0];
    for (let q = 0; q < order.length; q++) for (const t of edges[order[q]!]!.values()) order.push(t);
    const id = new Int32Array(n);
    order.forEach((old, i) => (id[old] = i));
    const delta = n <= 0xffff ? new Uint16Array(n * classes) : new Int32Array(n * classes);
    const fail = new Int32Array(n);
    const out: number[][] = order.map((old) => [...own[old]!]);
    // In breadth-first order a state's failure target is shallower: its row and outputs are complete when read.
    for (const [k, t] of edges[0]!) delta[k] = id[t]!;
    for (let s = 1; s < n; s++) {
      const f = fail[s]!;
      for (const o of out[f]!) out[s]!.push(o);
      const row = s * classes;
      const frow = f * classes;
      for (let k = 1; k < classes; k++) delta[row + k] = delta[frow + k]!;
      for (const [k, t] of edges[order[s]!]!) {
        fail[id[t]!] = delta[frow + k]!;
        delta[row + k] = id[t]!;
      }
    }
    this.delta = delta;
    const outStart = new Int32Array(n + 1);
    const hasOut = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      outStart[s + 1] = outStart[s]! + out[s]!.length;
      if (out[s]!.length > 0) hasOut[s] = 1;
    }
    const outIds = new Int32Array(outStart[n]!);
    for (let s = 0; s < n; s++) outIds.set(out[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outIds = outIds;
    this.hasOut = hasOut;
  }

  /** How many states the automaton has (state ids are 0 .. states - 1). */
  get states(): number {
    return this.hasOut.length;
  }

  /** The literal ids that end at a state (its own and those reached by failure links). */
  outputsOf(state: number): Int32Array {
    return this.outIds.subarray(this.outStart[state]!, this.outStart[state + 1]!);
  }

  /**
   * Writes into `found` each distinct state with outputs that reading `text` passes through, marking it in
   * `seen` (the caller clears those marks), and returns how many. A state stands for all its literals: a text
   * that repeats a literal (a letter, a space) costs one entry, not one call per occurrence. `found` needs room
   * for every state (a typed array: pushing onto an emptied array grew it again on every scan).
   */
  outputStates(text: string, seen: Uint8Array, found: Int32Array): number {
    const { classOf, classes, delta, hasOut } = this;
    let s = 0;
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < ALPHABET ? delta[s * classes + classOf[c]!]! : 0;
      if (hasOut[s] === 1 && seen[s] === 0) {
        seen[s] = 1;
        found[n++] = s;
      }
    }
    return n;
  }
}

/** ASCII upper case to lower case; every other code unchanged. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

// Builds the prefix trie: Patricia insertion into growable arrays, push-down of covering prefixes' values,
// then compaction into the frozen, interleaved layout of cidr-trie.ts.
import { FamilyTrie, PrefixTrie, V4, V6, type Combine, type Family } from './cidr-trie.js';

/** A CIDR as the trie stores it (parsed and formatted by cidr.ts). */
export interface Cidr {
  readonly family: 4 | 6;
  /** One word (IPv4) or four (IPv6), host bits cleared. */
  readonly words: Uint32Array;
  readonly bits: number;
}

function bitAt(words: ArrayLike<number>, base: number, i: number): number {
  return (words[base + (i >>> 5)]! >>> (31 - (i & 31))) & 1;
}

/** Length of the common prefix of two keys, capped at limit. */
function common(a: ArrayLike<number>, ab: number, b: ArrayLike<number>, bb: number, W: number, limit: number): number {
  let n = 0;
  for (let w = 0; w < W && n < limit; w++) {
    const x = (a[ab + w]! ^ b[bb + w]!) >>> 0;
    if (x === 0) n += 32;
    else {
      n += Math.clz32(x);
      break;
    }
  }
  return Math.min(n, limit);
}

function masked(words: ArrayLike<number>, W: number, bits: number, offset = 0): number[] {
  const out: number[] = [];
  for (let w = 0; w < W; w++) {
    const inWord = bits - 32 * w;
    const v = words[offset + w]! >>> 0;
    out.push(inWord <= 0 ? 0 : inWord >= 32 ? v : (v & ((0xffffffff << (32 - inWord)) >>> 0)) >>> 0);
  }
  return out;
}
/** Builds one family's trie: insertions into growable arrays, then push-down and compaction. */
class FamilyBuilder<T> {
  private keys: number[] = [];
  private plen: number[] = [];
  private c0: number[] = [];
  private c1: number[] = [];
  private val: number[] = [];
  private readonly values: T[] = [];

  constructor(
    private readonly fam: Family,
    private readonly combine: Combine<T>,
  ) {
    this.node(new Array<number>(fam.words).fill(0), 0, -1);
  }

  private node(key: readonly number[], len: number, value: number): number {
    const id = this.plen.length;
    for (const w of key) this.keys.push(w);
    this.plen.push(len);
    this.c0.push(-1);
    this.c1.push(-1);
    this.val.push(value);
    return id;
  }

  private setValue(n: number, v: T): void {
    const cur = this.val[n]!;
    if (cur === -1) {
      this.val[n] = this.values.length;
      this.values.push(v);
    } else this.values[cur] = this.combine(this.values[cur]!, v);
  }

  add(words: ArrayLike<number>, offset: number, bits: number, v: T): void {
    const W = this.fam.words;
    const key = masked(words, W, bits, offset);
    let n = 0;
    for (;;) {
      const l = this.plen[n]!;
      if (bits === l) return this.setValue(n, v);
      const side = bitAt(key, 0, l) === 0 ? this.c0 : this.c1;
      const c = side[n]!;
      if (c === -1) {
        side[n] = this.node(key, bits, -1);
        return this.setValue(side[n]!, v);
      }
      const cl = this.plen[c]!;
      const cp = common(key, 0, this.keys, c * W, W, Math.min(bits, cl));
      if (cp === cl) {
        n = c;
        continue;
      }
      // split the edge n -> c at cp
      const mid = this.node(masked(key, W, cp), cp, -1);
      (bitAt(this.keys, c * W, cp) === 0 ? this.c0 : this.c1)[mid] = c;
      side[n] = mid;
      if (cp === bits) return this.setValue(mid, v);
      const leaf = this.node(key, bits, -1);
      (bitAt(key, 0, cp) === 0 ? this.c0 : this.c1)[mid] = leaf;
      return this.setValue(leaf, v);
    }
  }

  build(): FamilyTrie<T> {
    // push down: every valued node's value absorbs the nearest valued ancestor's (already absorbed) value
    const stack: Array<[number, number]> = [[0, -1]];
    while (stack.length !== 0) {
      const [n, inherited] = stack.pop()!;
      let carry = inherited;
      const own = this.val[n]!;
      if (own !== -1) {
        if (inherited !== -1) this.values[own] = this.combine(this.values[inherited]!, this.values[own]!);
        carry = own;
      }
      if (this.c0[n] !== -1) stack.push([this.c0[n]!, carry]);
      if (this.c1[n] !== -1) stack.push([this.c1[n]!, carry]);
    }
    return new FamilyTrie<T>(this.fam, this.pack(), Object.freeze(this.values.slice()));
  }

  /** Lays the nodes out depth first in one interleaved array (see FamilyTrie). */
  private pack(): Int32Array {
    const W = this.fam.words;
    const stride = W + 4;
    const order: number[] = [];
    const at = new Int32Array(this.plen.length).fill(-1);
    const stack = [0];
    while (stack.length !== 0) {
      const n = stack.pop()!;
      at[n] = order.length * stride;
      order.push(n);
      if (this.c1[n] !== -1) stack.push(this.c1[n]!);
      if (this.c0[n] !== -1) stack.push(this.c0[n]!);
    }
    const a = new Int32Array(order.length * stride);
    order.forEach((n, i) => {
      const o = i * stride;
      for (let w = 0; w < W; w++) a[o + w] = this.keys[n * W + w]! | 0;
      a[o + W] = this.plen[n]!;
      a[o + W + 1] = this.val[n]!;
      a[o + W + 2] = this.c0[n] === -1 ? -1 : at[this.c0[n]!]!;
      a[o + W + 3] = this.c1[n] === -1 ? -1 : at[this.c1[n]!]!;
    });
    return a;
  }
}
export class PrefixTrieBuilder<T> {
  private readonly b4: FamilyBuilder<T>;
  private readonly b6: FamilyBuilder<T>;
  private count = 0;

  constructor(combine: Combine<T>) {
    this.b4 = new FamilyBuilder(V4, combine);
    this.b6 = new FamilyBuilder(V6, combine);
  }

  add(cidr: Cidr, value: T): this {
    return this.addWords(cidr.family, cidr.words, 0, cidr.bits, value);
  }

  /** Adds a prefix held in a packed array (1 word a prefix for IPv4, 4 for IPv6) without a Cidr object. */
  addWords(family: 4 | 6, words: ArrayLike<number>, offset: number, bits: number, value: T): this {
    (family === 4 ? this.b4 : this.b6).add(words, offset, bits, value);
    this.count++;
    return this;
  }

  build(): PrefixTrie<T> {
    return Object.freeze(new PrefixTrie(this.b4.build(), this.b6.build(), this.count));
  }
}

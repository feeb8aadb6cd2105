// A path-compressed binary prefix trie (one per address family) on typed arrays, built once at load.
// Longest-prefix match; values of shorter prefixes are pushed down at build, so the deepest match answers alone.
import { parseV4, parseV6, type Cidr } from './address.js';

/** Combines the value inherited from a covering prefix with a node's own (or two values of one prefix). */
export type Combine<T> = (outer: T, inner: T) => T;

interface Family {
  readonly words: number; // 1 (IPv4) or 4 (IPv6)
  readonly maxBits: number;
}
const V4: Family = { words: 1, maxBits: 32 };
const V6: Family = { words: 4, maxBits: 128 };

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

/** One family's frozen trie. */
class FamilyTrie<T> {
  constructor(
    readonly fam: Family,
    private readonly keys: Uint32Array,
    private readonly plen: Uint8Array,
    private readonly c0: Int32Array,
    private readonly c1: Int32Array,
    private readonly val: Int32Array,
    private readonly values: readonly T[],
  ) {}

  get nodes(): number {
    return this.plen.length;
  }
  get bytes(): number {
    return this.keys.byteLength + this.plen.byteLength + this.c0.byteLength * 3;
  }

  /** IPv4 longest match for a uint32 address. */
  lookup4(addr: number): T | undefined {
    const k = this.keys;
    const pl = this.plen;
    const val = this.val;
    let best = -1;
    let n = this.plen.length === 0 ? -1 : 0;
    while (n !== -1) {
      const l = pl[n]!;
      if (l !== 0 && (addr ^ k[n]!) >>> (32 - l) !== 0) break;
      if (val[n] !== -1) best = val[n]!;
      if (l === 32) break;
      n = ((addr >>> (31 - l)) & 1) === 0 ? this.c0[n]! : this.c1[n]!;
    }
    return best === -1 ? undefined : this.values[best];
  }

  /** IPv6 longest match for four big-endian words. */
  lookup6(a: Uint32Array): T | undefined {
    const k = this.keys;
    const pl = this.plen;
    const val = this.val;
    let best = -1;
    let n = this.plen.length === 0 ? -1 : 0;
    outer: while (n !== -1) {
      const l = pl[n]!;
      const base = n * 4;
      for (let w = 0; w < 4; w++) {
        const inWord = l - 32 * w;
        if (inWord <= 0) break;
        const x = (a[w]! ^ k[base + w]!) >>> 0;
        if (inWord >= 32 ? x !== 0 : x >>> (32 - inWord) !== 0) break outer;
      }
      if (val[n] !== -1) best = val[n]!;
      if (l === 128) break;
      n = bitAt(a, 0, l) === 0 ? this.c0[n]! : this.c1[n]!;
    }
    return best === -1 ? undefined : this.values[best];
  }
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
    return new FamilyTrie<T>(
      this.fam,
      Uint32Array.from(this.keys),
      Uint8Array.from(this.plen),
      Int32Array.from(this.c0),
      Int32Array.from(this.c1),
      Int32Array.from(this.val),
      Object.freeze(this.values.slice()),
    );
  }
}

const scratch = new Uint32Array(4);

/** Both families. */
export class PrefixTrie<T> {
  constructor(
    readonly v4: FamilyTrie<T>,
    readonly v6: FamilyTrie<T>,
    /** Prefixes inserted (duplicates counted once per insertion). */
    readonly size: number,
  ) {}

  /** Longest match for an address in text form (IPv4, or IPv6 as normaliseIp leaves it). No allocation. */
  lookup(ip: string): T | undefined {
    const v4 = parseV4(ip);
    if (v4 >= 0) return this.v4.lookup4(v4);
    if (parseV6(ip, scratch)) return this.v6.lookup6(scratch);
    return undefined;
  }

  get nodes(): number {
    return this.v4.nodes + this.v6.nodes;
  }
  /** Bytes held by the typed arrays (the values themselves are shared objects). */
  get bytes(): number {
    return this.v4.bytes + this.v6.bytes;
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

export type { FamilyTrie };

// A path-compressed binary prefix trie (one per address family) on typed arrays, built once at load.
// Longest-prefix match; values of shorter prefixes are pushed down at build, so the deepest match answers alone.
import { parseV4, parseV6, type Cidr } from './address.js';

/** Combines the value inherited from a covering prefix with a node's own (or two values of one prefix). */
export type Combine<T> = (outer: T, inner: T) => T;

interface Family {
  readonly words: number; // 1 (IPv4) or 4 (IPv6)
  readonly maxBits: number;
}
/** Below this many nodes an IPv4 trie is walked from the root (the jump table costs 512 KiB). */
const JUMP_MIN_NODES = 4096;

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

/**
 * One family's frozen trie. Nodes are interleaved in one Int32Array, `stride` entries each: the key words,
 * the prefix length, the value index (-1: none) and the two children as offsets into the array (-1: none).
 * One node is one contiguous run (a cache line), and nodes are laid out depth first, so a lookup touches
 * few lines: with separate arrays per field it cost four cache misses a step.
 */
class FamilyTrie<T> {
  private readonly stride: number;
  /**
   * IPv4 tries of some size: where a walk stands after the first 16 bits (node offset, best value so far),
   * by those 16 bits. A lookup starts there instead of walking the top levels (1 read instead of ~10).
   */
  private readonly jumpNode: Int32Array | null = null;
  private readonly jumpBest: Int32Array | null = null;

  constructor(
    readonly fam: Family,
    private readonly a: Int32Array,
    private readonly values: readonly T[],
  ) {
    this.stride = fam.words + 4;
    if (fam.words === 1 && a.length / this.stride >= JUMP_MIN_NODES) {
      this.jumpNode = new Int32Array(65_536);
      this.jumpBest = new Int32Array(65_536);
      for (let b = 0; b < 65_536; b++) this.jumpFrom(b);
    }
  }

  private jumpFrom(block: number): void {
    const a = this.a;
    const addr = (block << 16) >>> 0;
    let best = -1;
    let n = 0;
    while (n !== -1) {
      const l = a[n + 1]!;
      if (l >= 16) break;
      if (l !== 0 && (addr ^ a[n]!) >>> (32 - l) !== 0) {
        n = -1;
        break;
      }
      const v = a[n + 2]!;
      if (v !== -1) best = v;
      n = ((addr >>> (31 - l)) & 1) === 0 ? a[n + 3]! : a[n + 4]!;
    }
    this.jumpNode![block] = n;
    this.jumpBest![block] = best;
  }

  get nodes(): number {
    return this.a.length / this.stride;
  }
  get bytes(): number {
    return this.a.byteLength + (this.jumpNode === null ? 0 : this.jumpNode.byteLength * 2);
  }

  /** IPv4 longest match for a uint32 address. */
  lookup4(addr: number): T | undefined {
    const a = this.a;
    let best = -1;
    let n = a.length === 0 ? -1 : 0;
    if (this.jumpNode !== null) {
      n = this.jumpNode[addr >>> 16]!;
      best = this.jumpBest![addr >>> 16]!;
    }
    while (n !== -1) {
      const l = a[n + 1]!;
      if (l !== 0 && (addr ^ a[n]!) >>> (32 - l) !== 0) break;
      const v = a[n + 2]!;
      if (v !== -1) best = v;
      if (l === 32) break;
      n = ((addr >>> (31 - l)) & 1) === 0 ? a[n + 3]! : a[n + 4]!;
    }
    return best === -1 ? undefined : this.values[best];
  }

  /** IPv6 longest match for four big-endian words. */
  lookup6(w: Uint32Array): T | undefined {
    const a = this.a;
    let best = -1;
    let n = a.length === 0 ? -1 : 0;
    outer: while (n !== -1) {
      const l = a[n + 4]!;
      for (let i = 0; i < 4; i++) {
        const inWord = l - 32 * i;
        if (inWord <= 0) break;
        const x = (w[i]! ^ a[n + i]!) >>> 0;
        if (inWord >= 32 ? x !== 0 : x >>> (32 - inWord) !== 0) break outer;
      }
      const v = a[n + 5]!;
      if (v !== -1) best = v;
      if (l === 128) break;
      n = ((w[l >>> 5]! >>> (31 - (l & 31))) & 1) === 0 ? a[n + 6]! : a[n + 7]!;
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

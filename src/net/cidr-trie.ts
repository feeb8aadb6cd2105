// The one CIDR set: a path-compressed binary prefix trie per address family on typed arrays, built once.
// Longest-prefix match; values of shorter prefixes are pushed down at build, so the deepest match answers alone.
import { parseV4, parseV6 } from './ip.js';

/** Combines the value inherited from a covering prefix with a node's own (or two values of one prefix). */
export type Combine<T> = (outer: T, inner: T) => T;

export interface Family {
  readonly words: number; // 1 (IPv4) or 4 (IPv6)
  readonly maxBits: number;
}
/** Below this many nodes an IPv4 trie is walked from the root (the jump table costs 512 KiB). */
const JUMP_MIN_NODES = 4096;

export const V4: Family = { words: 1, maxBits: 32 };
export const V6: Family = { words: 4, maxBits: 128 };
/**
 * One family's frozen trie. Nodes are interleaved in one Int32Array, `stride` entries each: the key words,
 * the prefix length, the value index (-1: none) and the two children as offsets into the array (-1: none).
 * One node is one contiguous run (a cache line), and nodes are laid out depth first, so a lookup touches
 * few lines: with separate arrays per field it cost four cache misses a step.
 */
export class FamilyTrie<T> {
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
const scratch = new Uint32Array(4);

/** Both families. */
export class PrefixTrie<T> {
  constructor(
    readonly v4: FamilyTrie<T>,
    readonly v6: FamilyTrie<T>,
    /** Prefixes inserted (duplicates counted once per insertion). */
    readonly size: number,
  ) {}

  /**
   * Longest match for an address in text form (IPv4, or IPv6 as normaliseIp leaves it). No allocation.
   * Read with the list grammar (zero-padded octets as decimal), so an entry written as text is found as text.
   */
  lookup(ip: string): T | undefined {
    const v4 = parseV4(ip, true);
    if (v4 >= 0) return this.v4.lookup4(v4);
    if (parseV6(ip, scratch, true)) return this.v6.lookup6(scratch);
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

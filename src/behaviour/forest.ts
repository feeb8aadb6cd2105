// A small isolation forest (Liu, Ting and Zhou, 2008): random axis-parallel splits isolate outliers in fewer steps
// than inliers; the anomaly score is 2^(-E[path length] / c(n)), in (0, 1], 0.5 meaning "nothing special".

/** Euler-Mascheroni constant, for the harmonic number approximation H(i) ≈ ln i + γ. */
const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful search in a binary search tree of n points: the score's normaliser. */
export function averagePath(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

/** A seeded generator (mulberry32): the same seed trains the same forest (tests, reproducible scores). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Trees are flat arrays: per node a feature (-1: a leaf), a split value, and the leaf's size. */
interface Tree {
  readonly feature: Int16Array;
  readonly split: Float64Array;
  readonly size: Uint32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
}

function buildTree(data: readonly (readonly number[])[], rows: number[], limit: number, rnd: () => number): Tree {
  const max = 2 * rows.length + 1;
  const feature = new Int16Array(max).fill(-1);
  const split = new Float64Array(max);
  const size = new Uint32Array(max);
  const left = new Int32Array(max);
  const right = new Int32Array(max);
  const dims = data[0]!.length;
  let next = 0;
  const grow = (idx: number[], depth: number): number => {
    const node = next++;
    size[node] = idx.length;
    if (depth >= limit || idx.length <= 1) return node;
    // a feature that still varies in this node, tried from a random start
    const start = Math.floor(rnd() * dims);
    for (let k = 0; k < dims; k++) {
      const f = (start + k) % dims;
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of idx) {
        const v = data[r]![f]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      const s = lo + rnd() * (hi - lo);
      const l: number[] = [];
      const rr: number[] = [];
      for (const r of idx) (data[r]![f]! < s ? l : rr).push(r);
      if (l.length === 0 || rr.length === 0) continue;
      feature[node] = f;
      split[node] = s;
      left[node] = grow(l, depth + 1);
      right[node] = grow(rr, depth + 1);
      return node;
    }
    return node; // every feature constant here: a leaf holding them all
  };
  grow(rows, 0);
  return { feature, split, size, left, right };
}

export interface ForestOptions {
  readonly trees: number;
  /** Points per tree (ψ); the height limit is ceil(log2 ψ). */
  readonly sample: number;
  readonly seed: number;
}

export class IsolationForest {
  private constructor(
    private readonly trees: readonly Tree[],
    private readonly norm: number,
    readonly dims: number,
  ) {}

  /** Trains on `data` (rows of equal length, at least 2): each tree on its own random subsample. */
  static train(data: readonly (readonly number[])[], o: ForestOptions): IsolationForest {
    if (data.length < 2) throw new RangeError('an isolation forest needs at least 2 points');
    const rnd = seededRandom(o.seed);
    const psi = Math.min(o.sample, data.length);
    const limit = Math.ceil(Math.log2(psi));
    const trees: Tree[] = [];
    for (let t = 0; t < o.trees; t++) {
      // subsample without replacement: a partial Fisher-Yates over the row indices
      const all = Array.from({ length: data.length }, (_, i) => i);
      for (let i = 0; i < psi; i++) {
        const j = i + Math.floor(rnd() * (all.length - i));
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      trees.push(buildTree(data, all.slice(0, psi), limit, rnd));
    }
    return new IsolationForest(trees, averagePath(psi), data[0]!.length);
  }

  /** The anomaly score of x in (0, 1]: near 1 isolated at once, about 0.5 or less for ordinary points. */
  score(x: readonly number[]): number {
    let total = 0;
    for (const t of this.trees) {
      let node = 0;
      let depth = 0;
      while (t.feature[node]! !== -1) {
        node = x[t.feature[node]!]! < t.split[node]! ? t.left[node]! : t.right[node]!;
        depth++;
      }
      total += depth + averagePath(t.size[node]!);
    }
    if (this.norm === 0) return 0.5;
    return Math.pow(2, -total / this.trees.length / this.norm);
  }
}

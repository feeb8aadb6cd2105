// The isolation forest against properties known from the paper: c(n), scores in (0, 1], 0.5 for data with
// nothing to isolate, outliers scored above inliers, and determinism for a seed.
import { describe, expect, it } from 'vitest';
import { averagePath, IsolationForest, seededRandom } from '../../../src/behaviour/forest.js';

/** Standard normal pairs (Box-Muller) from a seeded generator. */
function gaussian(n: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - rnd()));
    const a = 2 * Math.PI * rnd();
    out.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return out;
}

describe('averagePath', () => {
  it('is c(n) of the paper', () => {
    expect(averagePath(1)).toBe(0);
    expect(averagePath(2)).toBe(1);
    // c(256) = 2 H(255) - 2 * 255 / 256, H(255) = ln 255 + γ (≈ 6.1189)
    expect(averagePath(256)).toBeCloseTo(10.2448, 3);
  });
});

describe('IsolationForest', () => {
  const data = gaussian(1000, 7);
  const forest = IsolationForest.train(data, { trees: 100, sample: 256, seed: 1 });

  it('scores far outliers above 0.6 and the bulk below 0.5', () => {
    for (const p of [
      [8, 8],
      [-9, 0],
      [0, 12],
    ])
      expect(forest.score(p)).toBeGreaterThan(0.6);
    const scores = data.map((p) => forest.score(p)).sort((a, b) => a - b);
    expect(scores[scores.length >> 1]).toBeLessThan(0.5);
    expect(forest.score([0, 0])).toBeLessThan(0.5);
    for (const s of scores) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('ranks by distance from the bulk (saturating beyond the sampled range, as isolation does)', () => {
    expect(forest.score([6, 0])).toBeGreaterThanOrEqual(forest.score([2.2, 0]));
    expect(forest.score([2.2, 0])).toBeGreaterThan(forest.score([1, 0]));
    expect(forest.score([1, 0])).toBeGreaterThan(forest.score([0, 0]));
  });

  it('gives 0.5 to every point when there is nothing to isolate', () => {
    const same = Array.from({ length: 64 }, () => [1, 2, 3]);
    const f = IsolationForest.train(same, { trees: 10, sample: 64, seed: 3 });
    expect(f.score([1, 2, 3])).toBeCloseTo(0.5, 12);
  });

  it('is the same forest for the same seed, another for another', () => {
    const again = IsolationForest.train(data, { trees: 100, sample: 256, seed: 1 });
    const other = IsolationForest.train(data, { trees: 100, sample: 256, seed: 2 });
    expect(again.score([2, 2])).toBe(forest.score([2, 2]));
    expect(other.score([2, 2])).not.toBe(forest.score([2, 2]));
    expect(forest.dims).toBe(2);
  });

  it('needs two points, and copes with a sample larger than the data', () => {
    expect(() => IsolationForest.train([[1]], { trees: 1, sample: 8, seed: 1 })).toThrow(RangeError);
    const tiny = IsolationForest.train([[0], [1], [2]], { trees: 5, sample: 256, seed: 1 });
    expect(tiny.score([1])).toBeGreaterThan(0);
  });
});

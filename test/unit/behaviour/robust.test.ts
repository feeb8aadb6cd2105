// Robust statistics: median, MAD, the z-score's floor, the rolling sample's lazy summary, the bounded population.
import { describe, expect, it } from 'vitest';
import { mad, median, Population, robustZ, RollingSample, MAD_SCALE } from '../../../src/behaviour/robust.js';

describe('median and MAD', () => {
  it('are the textbook values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
  });

  it('ignore a few outliers where a mean would not', () => {
    const xs = [10, 11, 9, 10, 12, 10, 1000];
    expect(median(xs)).toBe(10);
    expect(mad(xs)).toBe(1);
  });
});

describe('robustZ', () => {
  it('measures in MAD x 1.4826 and uses the floor when the spread is smaller', () => {
    expect(robustZ(20, 10, 2, 0.1)).toBeCloseTo(10 / (2 * MAD_SCALE), 12);
    // mostly-zero error counters: MAD 0; the floor keeps z finite and meaningful
    expect(robustZ(0.5, 0, 0, 0.1)).toBeCloseTo(5, 12);
    expect(Number.isFinite(robustZ(1, 0, 0, 0.01))).toBe(true);
  });
});

describe('RollingSample', () => {
  it('keeps the last capacity values and summarises them', () => {
    const s = new RollingSample(16);
    for (let i = 0; i < 100; i++) s.add(i);
    expect(s.count).toBe(100);
    expect(s.snapshot()).toHaveLength(16);
    const sum = s.summary();
    expect(sum.median).toBe(91.5); // 84..99
    expect(sum.count).toBe(100);
  });

  it('recomputes only after a quarter of the sample is new', () => {
    const s = new RollingSample(64);
    for (let i = 0; i < 64; i++) s.add(1);
    const first = s.summary();
    expect(first.median).toBe(1);
    s.add(1000);
    expect(s.summary()).toBe(first); // cached
    for (let i = 0; i < 40; i++) s.add(1000);
    expect(s.summary().median).toBe(1000);
    expect(s.summary()).toBe(s.summary());
  });
});

describe('Population', () => {
  it('gives one set of samples per group, up to its bound', () => {
    const p = new Population(16, 2);
    const a = p.group('r|anonymous')!;
    expect(p.group('r|anonymous')).toBe(a);
    expect(a.rate).not.toBe(a.errorRatio);
    expect(p.group('r|free')).not.toBeNull();
    expect(p.group('r|pro')).toBeNull();
    p.close();
    expect(p.group('r|pro')).not.toBeNull();
  });
});

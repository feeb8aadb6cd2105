// Client records: decay by half-life on a fake clock, the EWMAs, the stored text, and malformed records.
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  decay,
  decayTo,
  formatClient,
  parseClient,
  type ClientEvent,
} from '../../../src/behaviour/state.js';
import { FakeClock } from '../../../src/core/clock.js';

const P = { rateHalfMs: 10_000, halfMs: 600_000, alpha: 0.2, maxPackages: 4 };
const QUIET: ClientEvent = {
  compile: 1,
  texError: 0,
  exhaustion: 0,
  complexity: 100,
  size: 600,
  output: 2000,
  nearMisses: 0,
  rules: 0,
  refused: 0,
  packages: [],
};

describe('decay', () => {
  it('halves a counter every half-life and never grows it', () => {
    expect(decay(600_000, 600_000)).toBeCloseTo(0.5, 12);
    expect(decay(1_200_000, 600_000)).toBeCloseTo(0.25, 12);
    expect(decay(0, 600_000)).toBe(1);
    expect(decay(-5, 600_000)).toBe(1);
  });

  it('decays the counters of a record to a later moment, each with its half-life', () => {
    const clock = new FakeClock();
    let s = applyEvent(null, clock.now(), { ...QUIET, texError: 1, exhaustion: 1 }, P);
    clock.advance(600_000);
    s = decayTo(s, clock.now(), P);
    expect(s.texErrors).toBeCloseTo(0.5, 9);
    expect(s.exhaustion).toBeCloseTo(0.5, 9);
    expect(s.compiles).toBeCloseTo(0.5, 9);
    // 60 rate half-lives: the rate counter is gone
    expect(s.rate).toBeLessThan(1e-15);
    // events are not decayed: they are the warm-up count
    expect(s.events).toBe(1);
    expect(decayTo(s, clock.now() - 1, P)).toBe(s);
  });
});

describe('applyEvent', () => {
  it('starts a client at its first event and counts later ones', () => {
    const a = applyEvent(null, 1000, QUIET, P);
    expect(a).toMatchObject({
      first: 1000,
      t: 1000,
      events: 1,
      rate: 1,
      compiles: 1,
      cxMean: 100,
      cxVar: 0,
      cxCount: 1,
    });
    const b = applyEvent(a, 1000, { ...QUIET, complexity: 200, refused: 1, compile: 0, output: -1 }, P);
    expect(b.events).toBe(2);
    expect(b.refusals).toBe(1);
    expect(b.compiles).toBe(1);
    expect(b.cxMean).toBeCloseTo(120, 9); // 100 + 0.2 * 100
    expect(b.cxVar).toBeCloseTo(0.8 * (0 + 100 * 20), 9);
    expect(b.output).toBe(2000);
  });

  it('leaves complexity alone for a request without code', () => {
    const a = applyEvent(null, 0, QUIET, P);
    const b = applyEvent(a, 0, { ...QUIET, complexity: -1 }, P);
    expect(b.cxCount).toBe(1);
    expect(b.cxMean).toBe(100);
  });

  it('keeps a bounded set of packages, the first ones', () => {
    let s = applyEvent(null, 0, { ...QUIET, packages: ['a', 'b'] }, P);
    s = applyEvent(s, 0, { ...QUIET, packages: ['b', 'c', 'd', 'e', 'f'] }, P);
    expect(s.packages).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('stored text', () => {
  it('round-trips with four decimals', () => {
    const s = applyEvent(null, 1_700_000_000_123, { ...QUIET, packages: ['x1', 'y2'] }, P);
    const text = formatClient(s);
    expect(text.split(',')).toHaveLength(16);
    const back = parseClient(text)!;
    expect(back).toEqual(s);
    expect(formatClient(back)).toBe(text);
    // the last texts parsed are remembered (a state is immutable): the same object again
    expect(parseClient(text)).toBe(back);
    const other = formatClient(applyEvent(null, 5, QUIET, P));
    expect(parseClient(other)).toBe(parseClient(other));
    expect(parseClient(text)).toBe(back);
  });

  it('reads a missing or malformed record as a new client', () => {
    expect(parseClient(null)).toBeNull();
    expect(parseClient('')).toBeNull();
    expect(parseClient('1,2,3')).toBeNull();
    const bad = formatClient(applyEvent(null, 0, QUIET, P)).replace(/^0/, 'zz');
    expect(parseClient(bad)).toBeNull();
  });
});

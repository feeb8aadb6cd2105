// The learned model: vectors sampled from traffic, trained off the request path, its score in BehaviourView.model
// (null until trained), higher for a misbehaving client than for the well-behaved ones; it never refuses.
import { afterEach, describe, expect, it } from 'vitest';
import { BehaviourModel, behaviourVector } from '../../../src/behaviour/model.js';
import { applyEvent } from '../../../src/behaviour/state.js';
import { diagram, ENFORCE_ALL, Harness } from './harness.js';

const made: BehaviourModel[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.close();
});

describe('BehaviourModel', () => {
  it('needs enough vectors, then scores the unusual above the usual', () => {
    const m = new BehaviourModel({ trees: 50, sample: 128, refreshS: 300 }, false);
    made.push(m);
    expect(m.score([0, 0, 0, 0, 0, 0, 0])).toBeNull();
    for (let i = 0; i < 10; i++) m.observe([0.1, 0, 0, 4, 6, 0, 0]);
    expect(m.train()).toBe(false);
    for (let i = 0; i < 500; i++)
      m.observe([0.1 + (i % 7) / 100, (i % 10) / 50, 0, 4 + (i % 5) / 10, 6 + (i % 3) / 10, 0, 0]);
    expect(m.train()).toBe(true);
    const usual = m.score([0.12, 0.05, 0, 4.2, 6.1, 0, 0])!;
    const odd = m.score([3, 1, 2, 8, 9, 3, 2])!;
    expect(odd).toBeGreaterThan(usual);
    expect(odd).toBeGreaterThan(0.6);
  });

  it('turns a client record into a fixed-length, finite vector', () => {
    const s = applyEvent(
      null,
      0,
      {
        compile: 1,
        texError: 1,
        exhaustion: 1,
        complexity: 50,
        size: 600,
        output: 1,
        nearMisses: 0,
        rules: 0,
        refused: 0,
        packages: [],
      },
      { rateHalfMs: 1, halfMs: 1, alpha: 0.2, maxPackages: 4 },
    );
    const v = behaviourVector(s, 2);
    expect(v).toHaveLength(7);
    expect(v[1]).toBe(1);
    for (const x of v) expect(Number.isFinite(x)).toBe(true);
  });

  it('trains on its timer', async () => {
    const m = new BehaviourModel({ trees: 5, sample: 16, refreshS: 0.05 });
    made.push(m);
    for (let i = 0; i < 40; i++) m.observe([i % 4, 1]);
    await new Promise((r) => setTimeout(r, 120));
    expect(m.score([1, 1])).not.toBeNull();
  });
});

describe('the model in the check (monitor)', () => {
  it('is null until trained, then ranks an error farmer above well-behaved clients, refusing nothing', async () => {
    const h = new Harness({ ...ENFORCE_ALL, model: { mode: 'monitor', trees: 64, sample: 128 } });
    const model = h.deps.resources.get('behaviour:model:64:128:300', () => {
      throw new Error('the check did not make its model');
    }) as BehaviourModel;
    made.push(model);
    for (let round = 0; round < 8; round++)
      for (let c = 0; c < 30; c++) {
        h.clock.advance(200);
        const s = await h.send({ ip: `203.0.${c}.1`, code: diagram(round * 30 + c) });
        expect(s.ctx.behaviour!.model).toBeNull();
      }
    expect(model.train()).toBe(true);
    const normal: number[] = [];
    for (let c = 0; c < 30; c++) {
      h.clock.advance(200);
      normal.push((await h.send({ ip: `203.0.${c}.1`, code: diagram(c) })).ctx.behaviour!.model!);
    }
    let farmer = 0;
    for (let i = 0; i < 15; i++) {
      h.clock.advance(300);
      const s = await h.send({ ip: '198.51.100.99', code: `\\\\bad${i}(`, outcome: 'tex_error' });
      expect(s.verdict.kind).toBe('continue');
      farmer = s.ctx.behaviour!.model ?? 0;
    }
    normal.sort((a, b) => a - b);
    expect(farmer).toBeGreaterThan(normal[normal.length - 1]!);
  });
});

// Each detector through the check on the memory store and a fake clock: it fires on its pattern within a bounded
// number of requests, stays silent on well-behaved traffic (brand-new clients included), and forgives with time.
import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../src/core/behaviour.js';
import { ramp, exhaustionConfidence } from '../../../src/behaviour/detectors.js';
import { diagram, ENFORCE_ALL, Harness, type Sent } from './harness.js';

const find = (s: Sent, detector: string): Anomaly | undefined =>
  s.ctx.behaviour?.anomalies.find((a) => a.detector === detector);

/** Sends until `until` says so; the 1-based index of that request, or 0 when it never did within max. */
async function firstWhere(max: number, send: (i: number) => Promise<Sent>, until: (s: Sent) => boolean) {
  for (let i = 1; i <= max; i++) if (until(await send(i))) return i;
  return 0;
}

describe('well-behaved traffic', () => {
  it('is never flagged: 40 clients, 20 diagrams each, an occasional TeX error, a few seconds apart', async () => {
    const h = new Harness(ENFORCE_ALL);
    let flagged = 0;
    let refused = 0;
    for (let round = 0; round < 20; round++) {
      for (let c = 0; c < 40; c++) {
        h.clock.advance(150); // 40 clients over ~6 s per round
        const s = await h.send({
          ip: `203.0.${c}.9`,
          code: diagram(round * 40 + c),
          outcome: (round + c) % 10 === 3 ? 'tex_error' : 'ok',
          wallMs: 150 + ((round * c) % 400),
        });
        if (s.ctx.behaviour!.anomalies.length !== 0) flagged++;
        if (s.verdict.kind !== 'continue') refused++;
      }
    }
    expect(flagged).toBe(0);
    expect(refused).toBe(0);
  });

  it('leaves a brand-new client unscored (new_client, then warmup), never flagged', async () => {
    const h = new Harness(ENFORCE_ALL);
    const first = await h.send({ ip: '192.0.2.1' });
    expect(first.ctx.behaviour).toEqual({ scored: false, unscored: 'new_client', anomalies: [], model: null });
    expect(first.verdict).toMatchObject({ kind: 'continue', score: 0 });
    for (let i = 2; i <= 5; i++) {
      h.clock.advance(1000);
      const s = await h.send({ ip: '192.0.2.1', code: diagram(i) });
      expect(s.ctx.behaviour!.unscored).toBe('warmup');
      expect(s.ctx.behaviour!.anomalies).toEqual([]);
    }
    h.clock.advance(1000);
    const scored = await h.send({ ip: '192.0.2.1', code: diagram(9) });
    expect(scored.ctx.behaviour).toMatchObject({ scored: true, unscored: '', anomalies: [] });
  });

  it('keys anonymous clients by /24 and identified ones by user or API key owner', async () => {
    const h = new Harness(ENFORCE_ALL);
    await h.send({ ip: '192.0.2.1' });
    // another address in the same /24: the same client
    expect((await h.send({ ip: '192.0.2.200' })).ctx.behaviour!.unscored).toBe('warmup');
    const alice = { user: 'alice', tier: 'free', method: 'jwt' } as const;
    expect((await h.send({ ip: '192.0.2.1', identity: alice })).ctx.behaviour!.unscored).toBe('new_client');
    const key = { user: 'alice', tier: 'free', method: 'api_key' } as const;
    expect((await h.send({ ip: '192.0.2.1', identity: key })).ctx.behaviour!.unscored).toBe('new_client');
    const long = { user: 'x'.repeat(500), tier: 'free', method: 'jwt' } as const;
    await h.send({ identity: long });
    const keys = await h.deps.store.list('bh:c:u:#');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key.length).toBeLessThan(80);
    expect((await h.send({ ip: '2001:db8:1:2::5' })).ctx.behaviour!.unscored).toBe('new_client');
    expect((await h.send({ ip: 'not-an-address' })).ctx.behaviour!.unscored).toBe('new_client');
    expect((await h.send({ ip: '2001:db8:1:2:ffff::9' })).ctx.behaviour!.unscored).toBe('warmup');
  });
});

describe('rapid_fire', () => {
  it('fires within 25 requests of a client sending 20 per second, and only reports', async () => {
    const h = new Harness(ENFORCE_ALL);
    const n = await firstWhere(
      25,
      (i) => {
        h.clock.advance(50);
        return h.send({ ip: '198.51.100.1', code: diagram(i) });
      },
      (s) => find(s, 'rapid_fire') !== undefined,
    );
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(25);
    const s = await h.send({ ip: '198.51.100.1' });
    expect(find(s, 'rapid_fire')!.evidence).toMatchObject({ baseline: 'floor' });
    expect(s.verdict.kind).toBe('continue');
  });

  it('does not fire on a brand-new client loading a page of 10 diagrams at once', async () => {
    const h = new Harness(ENFORCE_ALL);
    for (let i = 0; i < 10; i++) {
      h.clock.advance(40);
      const s = await h.send({ ip: '198.51.100.9', code: diagram(i) });
      expect(s.ctx.behaviour!.anomalies).toEqual([]);
    }
  });

  it('does not fire on a client making one request a second', async () => {
    const h = new Harness(ENFORCE_ALL);
    for (let i = 0; i < 60; i++) {
      h.clock.advance(1000);
      expect(find(await h.send({ ip: '198.51.100.1', code: diagram(i) }), 'rapid_fire')).toBeUndefined();
    }
  });
});

describe('error_farming', () => {
  it('fires within 10 failed compiles in a row, confidence growing, never refusing', async () => {
    const h = new Harness(ENFORCE_ALL);
    let conf = 0;
    const n = await firstWhere(
      10,
      (i) => {
        h.clock.advance(2000);
        return h.send({ ip: '198.51.100.2', code: `\\draw ${i}(`, outcome: 'tex_error' });
      },
      (s) => find(s, 'error_farming') !== undefined,
    );
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) {
      h.clock.advance(2000);
      const s = await h.send({ ip: '198.51.100.2', code: `\\draw x${i}(`, outcome: 'tex_error' });
      expect(s.verdict.kind).toBe('continue');
      const a = find(s, 'error_farming')!;
      expect(a.confidence).toBeGreaterThanOrEqual(conf);
      conf = a.confidence;
    }
    expect(conf).toBeGreaterThan(0.8);
  });

  it('does not count the gateway’s own refusals as errors', async () => {
    const h = new Harness(ENFORCE_ALL);
    for (let i = 0; i < 50; i++) {
      h.clock.advance(100);
      const s = await h.send({ ip: '198.51.100.3', outcome: null });
      expect(find(s, 'error_farming')).toBeUndefined();
      expect(find(s, 'resource_exhaustion')).toBeUndefined();
    }
    const raw = (await h.deps.store.get('bh:c:a:198.51.100.0/24'))!.split(',');
    expect(Number(raw[4])).toBe(0); // compiles
    expect(Number(raw[14])).toBeGreaterThan(40); // refusals: history, once each
  });
});

describe('resource_exhaustion', () => {
  it('refuses (429, Retry-After) after at most 3 time-outs, and forgives as the weight decays', async () => {
    const h = new Harness(ENFORCE_ALL);
    let timeouts = 0;
    let refusedAt = 0;
    for (let i = 1; i <= 6 && refusedAt === 0; i++) {
      h.clock.advance(5000);
      const s = await h.send({ ip: '198.51.100.4', code: `\\foreach \\i in {1,...,${i}00000} {}`, outcome: 'timeout' });
      if (s.verdict.kind !== 'continue') {
        refusedAt = i;
        expect(s.verdict).toMatchObject({ status: 429, reasons: ['behaviour:resource_exhaustion'] });
        const wait = Number((s.verdict as { headers: Record<string, string> }).headers['retry-after']);
        expect(wait).toBeGreaterThan(0);
        h.clock.advance(wait * 1000 + 1000);
      } else timeouts++;
    }
    expect(refusedAt).toBeGreaterThan(0);
    expect(timeouts).toBeLessThanOrEqual(3);
    const later = await h.send({ ip: '198.51.100.4' });
    expect(later.verdict.kind).toBe('continue');
  });

  it('counts slow compiles and huge answers half', async () => {
    const h = new Harness(ENFORCE_ALL);
    await h.send({ ip: '198.51.100.5', wallMs: 9000 });
    await h.send({ ip: '198.51.100.5', bytesOut: 5_000_000 });
    const s = await h.send({ ip: '198.51.100.5' });
    expect(find(s, 'resource_exhaustion')!.evidence.weight).toBeCloseTo(1, 2);
    expect(s.verdict.kind).toBe('continue');
  });

  it('in a monitor-mode detector only records what enforce would have done', async () => {
    const h = new Harness({ ...ENFORCE_ALL, detectors: { resource_exhaustion: { mode: 'monitor' } } });
    for (let i = 0; i < 3; i++) await h.send({ ip: '198.51.100.6', outcome: 'memory' });
    const s = await h.send({ ip: '198.51.100.6' });
    expect(s.verdict.kind).toBe('continue');
    expect(s.ctx.monitorHits).toEqual(['behaviour:resource_exhaustion']);
  });

  it('has the documented confidences', () => {
    expect(exhaustionConfidence(1)).toBeCloseTo(0.55, 2);
    expect(exhaustionConfidence(2)).toBeCloseTo(0.8, 2);
    expect(exhaustionConfidence(3)).toBeCloseTo(0.91, 2);
    expect(ramp(5, 5, 5)).toBe(0.5);
    expect(ramp(1e9, 5, 5)).toBeCloseTo(1, 9);
  });
});

describe('shared_source', () => {
  const SLOW = '\\foreach \\i in {1,...,99999999} { \\node {\\i}; }';

  it('refuses a source that timed out when it comes back from its 3rd address', async () => {
    const h = new Harness(ENFORCE_ALL);
    const r1 = await h.send({ ip: '203.0.113.1', code: SLOW, outcome: 'timeout' });
    expect(r1.verdict.kind).toBe('continue');
    // the same source, rotated: other comments and spacing, another /24
    const r2 = await h.send({ ip: '198.18.0.1', code: `% hi\n${SLOW}   `, outcome: 'timeout' });
    expect(r2.verdict.kind).toBe('continue');
    expect(find(r2, 'shared_source')).toMatchObject({ evidence: { addresses: 2, timeouts: 1, new_address: true } });
    const r3 = await h.send({ ip: '198.19.0.1', code: SLOW });
    expect(r3.verdict).toMatchObject({ kind: 'deny', status: 403, reasons: ['behaviour:shared_source'] });
    expect(r3.ctx.behaviour!.unscored).toBe('new_client');
  });

  it('reports a popular source that never failed, weakly, and never refuses it', async () => {
    const h = new Harness(ENFORCE_ALL);
    const popular = '\\draw (0,0) circle (1);';
    let seen: Anomaly | undefined;
    for (let i = 1; i <= 8; i++) {
      const s = await h.send({ ip: `10.${i}.0.1`, code: popular });
      expect(s.verdict.kind).toBe('continue');
      seen = find(s, 'shared_source') ?? seen;
      if (i < 5) expect(find(s, 'shared_source')).toBeUndefined();
    }
    expect(seen!.confidence).toBeLessThanOrEqual(0.6);
  });
});

describe('unusual', () => {
  it('notices a sudden jump in complexity and packages never used before', async () => {
    const h = new Harness(ENFORCE_ALL);
    for (let i = 0; i < 8; i++) {
      h.clock.advance(3000);
      await h.send({ ip: '198.51.100.8', code: diagram(i) });
    }
    const heavy = Array.from(
      { length: 60 },
      (_, i) => `\\foreach \\x in {1,...,9} { \\fill (${i},\\x) circle (1pt); }`,
    ).join('');
    const jump = await h.send({ ip: '198.51.100.8', code: heavy });
    expect(find(jump, 'unusual')!.evidence.z).toBeGreaterThan(4);
    expect(jump.verdict.kind).toBe('continue');
    const libs = await h.send({
      ip: '198.51.100.8',
      code: `\\usetikzlibrary{decorations.pathmorphing,shadows}${diagram(1)}`,
    });
    expect(find(libs, 'unusual')!.evidence.new_packages).toBe(2);
  });
});

describe('monitor mode', () => {
  it('records the refusal enforce makes, at the same request, from the same state', async () => {
    const firstFlag = async (mode: string): Promise<number> => {
      const h = new Harness({ ...ENFORCE_ALL, mode });
      for (let i = 1; i <= 6; i++) {
        h.clock.advance(5000);
        const s = await h.send({ ip: '198.51.100.4', code: `slow ${i}`, outcome: 'timeout' });
        if (s.ctx.refusal !== null || s.ctx.monitorHits.includes('behaviour:resource_exhaustion')) {
          if (mode === 'monitor') expect(s.ctx.refusal).toBeNull();
          return i;
        }
      }
      return 0;
    };
    const enforce = await firstFlag('enforce');
    expect(enforce).toBeGreaterThan(0);
    expect(await firstFlag('monitor')).toBe(enforce);
  });
});

describe('a store that fails at once', () => {
  it('makes the term unscored and refuses nothing (a closed memory store throws synchronously)', async () => {
    const h = new Harness(ENFORCE_ALL);
    await h.deps.store.close();
    const s = await h.send({ outcome: 'timeout' });
    expect(s.verdict.kind).toBe('continue');
    expect(s.ctx.behaviour).toMatchObject({ scored: false, unscored: 'store_unavailable' });
  });
});

describe('off', () => {
  it('builds nothing when off, and computes no detector that is off', async () => {
    const h = new Harness({
      ...ENFORCE_ALL,
      detectors: { shared_source: { mode: 'off' }, resource_exhaustion: { mode: 'off' } },
    });
    for (let i = 0; i < 4; i++) await h.send({ ip: `10.${i}.0.1`, code: 'x', outcome: 'timeout' });
    const s = await h.send({ ip: '10.9.0.1', code: 'x' });
    expect(s.ctx.behaviour!.anomalies).toEqual([]);
    expect(() => new Harness({ mode: 'off' })).toThrow('behaviour is off');
  });
});

// Behaviour in telemetry: findings make a security event (numbers and codes only), and the metrics count
// findings by detector and unscored requests by reason.
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import { eventFor } from '../../../src/telemetry/events.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { RequestMetrics } from '../../../src/telemetry/request-metrics.js';

function allowed(): RequestContext {
  const ctx = new RequestContext('POST', {}, 0);
  ctx.route = { name: 'compile' } as unknown as CompiledRoute;
  ctx.status = 200;
  return ctx;
}

const finding = Object.freeze({
  scored: true,
  unscored: '',
  anomalies: [{ detector: 'rapid_fire', confidence: 0.7, evidence: { rps: 12.5, z: 24, baseline: 'floor' } }],
  model: null,
});

describe('behaviour in the security event', () => {
  it('writes no event for a finding alone, and carries the findings in a monitor hit’s event', () => {
    const ctx = allowed();
    ctx.behaviour = finding;
    expect(eventFor(ctx)).toBeNull();
    ctx.monitorHits.push('behaviour:resource_exhaustion');
    const ev = eventFor(ctx)!;
    expect(ev.decision).toBe('allow');
    expect(ev.behaviour).toEqual(finding);
  });

  it('writes none for an allowed request without findings, and carries the view in other events', () => {
    const ctx = allowed();
    ctx.behaviour = { scored: false, unscored: 'new_client', anomalies: [], model: null };
    expect(eventFor(ctx)).toBeNull();
    ctx.decision = 'deny';
    ctx.status = 403;
    ctx.refusal = { decision: 'deny', status: 403, reasons: ['sig:x'], module: 'sig' };
    expect(eventFor(ctx)!.behaviour).toMatchObject({ unscored: 'new_client' });
  });
});

describe('behaviour metrics', () => {
  it('counts findings by detector and unscored requests by reason', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const rm = new RequestMetrics(m);
    const a = allowed();
    a.behaviour = finding;
    rm.record(a);
    const b = allowed();
    b.behaviour = { scored: false, unscored: 'store_unavailable', anomalies: [], model: null };
    rm.record(b);
    rm.record(allowed());
    const text = await m.registry.metrics();
    expect(text).toContain('portcullis_behaviour_anomalies_total{route="compile",detector="rapid_fire"} 1');
    expect(text).toContain('portcullis_behaviour_unscored_total{route="compile",reason="store_unavailable"} 1');
  });
});

// The hot-path metrics: one slot per label set, found again by the same values, exported through prom-client.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from '../../../src/telemetry/fast-metrics.js';

describe('fast metrics', () => {
  it('finds the same slot for the same label values and another for any other set', () => {
    const c = new FastCounter('t_total', 'help', ['route', 'tier', 'outcome'], new Registry());
    const a = c.child('compile', 'anonymous', 'ok');
    expect(c.child('compile', 'anonymous', 'ok')).toBe(a);
    expect(c.child('compile', 'anonymous', 'tex_error')).not.toBe(a);
    expect(c.child('compile', 'premium', 'ok')).not.toBe(a);
    // values that a joined key would confuse stay apart
    expect(c.child('a\u0000b', 'c', 'd')).not.toBe(c.child('a', 'b\u0000c', 'd'));
    expect(() => c.child('compile', 'anonymous')).toThrow(/expected 3 labels/);
  });

  it('exports every label set once, with its labels, in the order first seen; reset forgets them', async () => {
    const reg = new Registry();
    const c = new FastCounter('t_requests_total', 'requests', ['route', 'decision'], reg);
    const h = new FastHistogram('t_seconds', 'seconds', [], [0.1, 1], reg);
    c.child('compile', 'allow').inc();
    c.child('compile', 'allow').inc(2);
    c.child('health', 'deny').inc();
    h.child().observe(0.5);
    h.child().observe(5);
    const text = await reg.metrics();
    expect(text).toContain('t_requests_total{route="compile",decision="allow"} 3');
    expect(text).toContain('t_requests_total{route="health",decision="deny"} 1');
    expect(text).toContain('t_seconds_bucket{le="0.1"} 0');
    expect(text).toContain('t_seconds_bucket{le="1"} 1');
    expect(text).toContain('t_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('t_seconds_count 2');
    c.reset();
    expect(await reg.metrics()).not.toContain('t_requests_total{');
    c.child('compile', 'allow').inc();
    expect(await reg.metrics()).toContain('t_requests_total{route="compile",decision="allow"} 1');
  });
});

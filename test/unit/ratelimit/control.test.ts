// Tier overrides and the tighten call: shared through the store, local reads, TTL on the clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { RequestContext } from '../../../src/core/context.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { RateControl, type RateSettings } from '../../../src/ratelimit/control.js';
import { TierOverrides } from '../../../src/ratelimit/overrides.js';
import { groupingFromConfig } from '../../../src/ratelimit/subject.js';
import { identitySchema } from '../../../src/identity/config.js';

const settings: RateSettings = {
  keyBy: 'subject',
  grouping: groupingFromConfig(identitySchema.parse({})),
  tiers: new Set(['anonymous', 'authenticated', 'suspicious']),
  defaultTier: 'anonymous',
  suspiciousTier: 'suspicious',
};

const ctxFrom = (ip: string, user: string | null = null) => {
  const ctx = new RequestContext('GET', {}, 0);
  ctx.clientIp = ip;
  if (user !== null) ctx.identity = { user, tier: 'authenticated', method: 'api_key' };
  return ctx;
};

describe('tier overrides', () => {
  it('tighten moves the client behind a request to the suspicious tier until the TTL ends', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100, clock });
    const control = new RateControl(store, clock);
    control.latest = settings;
    const risky = ctxFrom('2001:db8:1:2::99');
    await control.tighten(risky, 60_000);
    // Another address of the same /64 is the same client.
    const later = ctxFrom('2001:db8:1:2::1');
    expect(control.tierOf(later, control.subjectOf(later, settings), settings)).toBe('suspicious');
    const other = ctxFrom('2001:db8:1:3::1');
    expect(control.tierOf(other, control.subjectOf(other, settings), settings)).toBe('anonymous');
    clock.advance(60_000);
    const after = ctxFrom('2001:db8:1:2::1');
    expect(control.tierOf(after, control.subjectOf(after, settings), settings)).toBe('anonymous');
    control.close();
  });

  it('users are tightened by user id, and an unknown tier changes nothing', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100, clock });
    const control = new RateControl(store, clock);
    control.latest = settings;
    await control.tighten(ctxFrom('192.0.2.1', 'alice'), 10_000);
    const fromElsewhere = ctxFrom('198.51.100.7', 'alice');
    expect(control.tierOf(fromElsewhere, control.subjectOf(fromElsewhere, settings), settings)).toBe('suspicious');
    await control.tighten(ctxFrom('192.0.2.2'), 10_000, 'no_such_tier');
    const c = ctxFrom('192.0.2.2');
    expect(control.tierOf(c, control.subjectOf(c, settings), settings)).toBe('anonymous');
  });

  it('another instance on the same store hears a tighten, and a new one loads live overrides at start', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxKeys: 100, clock });
    const a = new TierOverrides(store, clock);
    const b = new TierOverrides(store, clock);
    await a.tighten('192.0.2.9', 'suspicious', 30_000);
    await new Promise((r) => setImmediate(r));
    expect(b.current('192.0.2.9')).toBe('suspicious');
    const c = new TierOverrides(store, clock);
    expect(c.current('192.0.2.9')).toBeNull();
    await c.load();
    expect(c.current('192.0.2.9')).toBe('suspicious');
    await a.release('192.0.2.9');
    await new Promise((r) => setImmediate(r));
    expect(b.current('192.0.2.9')).toBeNull();
  });
});

// The trust parts' edges: the geo lookup on the embedded database, the recent ring, config refusals, the
// fingerprint and impossible devices, the term arithmetic, engines without the store, an async store.
import { describe, expect, it } from 'vitest';
import { buildTrustCheck } from '../../../src/checks/trust.js';
import { configSchema } from '../../../src/config/schema.js';
import { RequestContext } from '../../../src/core/context.js';
import { Resources } from '../../../src/core/resources.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { TrustResult } from '../../../src/core/trust.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { StoreScript } from '../../../src/store/store.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { fingerprint, impossibleDevice } from '../../../src/trust/fingerprint.js';
import { trustGeo } from '../../../src/trust/geo.js';
import { RecentTrust } from '../../../src/trust/recent.js';
import { TRUST_READ, decayed } from '../../../src/trust/scripts.js';
import { decide, scoreOf, scored, unscored } from '../../../src/trust/term.js';
import { buildTrustEngine } from '../../../src/trust/engine.js';
import { FakeClock } from '../../../src/core/clock.js';
import { config, ctx, deps, NOW } from '../checks/helpers.js';

const W = { component: 'x', weight: 2, cap: 1 };

describe('term arithmetic', () => {
  it('clamps values to 0..1 and scores 100 when nothing is scored', () => {
    expect(scored(W, 'x:hi', 1.7).value).toBe(1);
    expect(scored(W, 'x:lo', -0.2).contribution).toBe(0);
    expect(scoreOf([unscored(W, 'x:none')])).toBe(100);
    expect(scoreOf([scored(W, 'a', 0.5), unscored(W, 'b'), scored({ ...W, weight: 1 }, 'c', 1)])).toBe(66.67);
    expect([decide(50, { allowAt: 50, denyBelow: 20 }), decide(19.99, { allowAt: 50, denyBelow: 20 })]).toEqual([
      'allow',
      'deny',
    ]);
  });

  it('history records that are not records decay to nothing known', () => {
    expect(decayed('junk', 0, 1000)).toBeNull();
    expect(decayed('x:y', 0, 1000)).toBeNull();
    expect(decayed('2:1000', 0, 1000)).toBe(2); // a record from the future is not decayed
    expect(TRUST_READ.decode(null)).toEqual({ history: '', device: -1 });
  });
});

describe('fingerprint', () => {
  it('is stable, ignores volatile headers and sees the header order', () => {
    const a = { 'user-agent': 'UA', accept: '*/*', 'content-length': '10', 'x-request-id': '1' };
    const b = { 'user-agent': 'UA', accept: '*/*', 'content-length': '99', 'x-request-id': '2' };
    const swapped = { accept: '*/*', 'user-agent': 'UA' };
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(swapped));
    expect(fingerprint({ 'set-cookie': ['a', 'b'] })).toMatch(/^[0-9a-f]{8}$/);
  });

  it('finds impossible devices', () => {
    const chrome = (ua: string, platform: string, mobile = '?0') => ({
      'user-agent': ua,
      'sec-ch-ua': '"Chromium";v="126"',
      'sec-ch-ua-platform': platform,
      'sec-ch-ua-mobile': mobile,
    });
    expect(impossibleDevice({ 'user-agent': 'x' })).toBe('');
    expect(impossibleDevice(chrome('Mozilla/5.0 (Windows NT 10.0) Chrome/126', '"Windows"'))).toBe('');
    expect(impossibleDevice(chrome('Mozilla/5.0 (Windows NT 10.0) Chrome/126', '"Windows"', '?1'))).toBe(
      'mobile_desktop',
    );
    expect(impossibleDevice(chrome('Mozilla/5.0 (X11; Linux) Chrome/126', '"Android"'))).toBe('platform_mismatch');
    expect(impossibleDevice(chrome('Mozilla/5.0 (X11; Linux) Chrome/126', '"Plan9"'))).toBe('');
    expect(impossibleDevice({ 'user-agent': 'Mozilla/5.0 Chrome/1', 'sec-ch-ua-platform': '"Linux"' })).toBe(
      'platform_mismatch',
    );
  });
});

describe('recent ring', () => {
  const r = (score: number) => ({ score }) as unknown as TrustResult;
  const entry = (id: string, score: number) => ({
    id,
    time: 0,
    method: 'GET',
    route: 'x',
    client_ip: '',
    user: null,
    tier: 'anonymous',
    trust: r(score),
  });

  it('keeps the newest of a repeated id, bounds its size, and empties on close', () => {
    const ring = new RecentTrust(2);
    ring.put(entry('a', 1));
    ring.put(entry('a', 2));
    expect(ring.get('a')!.trust.score).toBe(2);
    ring.put(entry('b', 3));
    // the first slot of 'a' was overwritten, but 'a' still points at its newest slot
    expect(ring.get('a')!.trust.score).toBe(2);
    expect(ring.size).toBe(2);
    ring.close();
    expect(ring.get('b')).toBeNull();
    const none = new RecentTrust(0);
    none.put(entry('c', 1));
    expect(none.get('c')).toBeNull();
  });
});

describe('trust config', () => {
  const parse = (trust: unknown) => configSchema.safeParse({ upstream: { url: 'http://127.0.0.1:1' }, trust });

  it('refuses deny_below above allow_at, globally and per route', () => {
    expect(parse({ allow_at: 30, deny_below: 40 }).success).toBe(false);
    const r = parse({ routes: { compile: { deny_below: 90 } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['trust', 'routes', 'compile', 'deny_below']);
    expect(parse({ components: { identity: { wieght: 1 } } }).success).toBe(false);
  });
});

describe('engines', () => {
  const route = { name: 'compile', config: { deny_score: 100 } } as unknown as CompiledRoute;

  it('reads no store when neither device nor history is on; the embedded database gives geography', async () => {
    const cfg = config({
      trust: {
        mode: 'monitor',
        components: {
          device: { weight: 0 },
          history: { weight: 0 },
          geography: { country_risk: { US: 0.5 } },
        },
      },
    });
    class Refusing extends MemoryStore {
      override run<R>(s: StoreScript<R>): R {
        throw new Error(`unexpected ${s.name}`);
      }
    }
    const d = { ...deps(new Refusing({ maxKeys: 10 })) };
    const engine = buildTrustEngine(cfg, d)!;
    const c = ctx({ 'user-agent': 'curl/8', accept: '*/*' }, '8.8.8.8');
    c.route = route;
    const r = (await engine.evaluate(c)) as TrustResult;
    expect(r.terms.map((t) => t.component)).not.toContain('history');
    const geo = r.terms.find((t) => t.component === 'geography')!;
    expect(geo.code).toBe('geography:risk');
    expect(geo.evidence).toEqual({ country: 'US', risk: 0.5 });
    engine.record(Object.assign(c, { decision: 'deny' }));
  });

  it('the geo lookup caches per address and opens nothing when nothing is needed', () => {
    const c = configSchema.parse({ upstream: { url: 'http://127.0.0.1:1' } }).geo;
    const resources = new Resources();
    const log = createLogger('silent');
    expect(trustGeo(c, { country: false, asn: false, anonymous: true }, resources, log)).toBeNull();
    const g = trustGeo(c, { country: true, asn: false, anonymous: false }, resources, log)!;
    expect(g.answer('8.8.8.8')).toBe(g.answer('8.8.8.8'));
    expect(g.answer('10.1.2.3').internal).toBe(true);
  });

  it('answers asynchronously from a store that does, and remembers there', async () => {
    class Later extends MemoryStore {
      override run<R>(s: StoreScript<R>, keys: readonly string[], args: readonly (string | number)[]): R {
        const v = super.run(s, keys, args);
        return Promise.resolve(v) as unknown as R;
      }
    }
    const d = deps(new Later({ maxKeys: 100, clock: new FakeClock(NOW) }));
    const check = buildTrustCheck(config({ trust: { mode: 'enforce' } }), d)!;
    const c = ctx({ 'user-agent': 'curl/8', accept: '*/*' });
    c.route = route;
    c.identity = { user: 'zed', tier: 'authenticated', method: 'jwt' };
    const v = check.run(c);
    expect(v).toBeInstanceOf(Promise);
    await v;
    expect(c.trust!.terms.find((t) => t.component === 'device')!.code).toBe('device:first');
    c.decision = 'limit';
    check.onComplete!(c);
    await new Promise((r) => setTimeout(r, 5));
    const again = new RequestContext('GET', { 'user-agent': 'curl/8', accept: '*/*' }, 0);
    again.identity = c.identity;
    await check.run(again);
    expect(again.trust!.terms.find((t) => t.component === 'history')!.code).toBe('history:refusals');
  });
});

// The trust check on real stores: determinism, thresholds per route, challenge (401 or the suspicious tier), deny,
// monitor, the operator's lists first, the store down (unscored, still decided), history and devices, the
// breakdown header (admin token only) and the admin endpoint.
import { describe, expect, it } from 'vitest';
import { buildTrustCheck } from '../../../src/checks/trust.js';
import { buildRateLimitCheck } from '../../../src/checks/rate-limit.js';
import { applyVerdict } from '../../../src/core/pipeline.js';
import { StoreError } from '../../../src/core/errors.js';
import type { Check } from '../../../src/core/check.js';
import type { RequestContext } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { TrustTerm } from '../../../src/core/trust.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { rateControl } from '../../../src/ratelimit/control.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { StoreScript } from '../../../src/store/store.js';
import { scoreOf } from '../../../src/trust/term.js';
import { config, ctx, deps, outcome, type TestDeps } from '../checks/helpers.js';

const TOKEN = 'admin-token-0123456789';
const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' };
const route = (name: string) => ({ name, config: { deny_score: 100 } }) as unknown as CompiledRoute;

/** A memory store whose backend is gone: a sync throw, as the memory side of a failed store does. */
class DownStore extends MemoryStore {
  override run<R>(script: StoreScript<R>): R {
    throw new StoreError('connection', `store down (${script.name})`);
  }
}
/** The same, answering later: what a networked store does. */
class DownAsyncStore extends MemoryStore {
  override run<R>(): R {
    return Promise.reject(new StoreError('connection', 'store down')) as unknown as R;
  }
}

function trustConfig(trust: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return config({
    admin: { tokens: [TOKEN] },
    routes: [
      { name: 'compile', path: '/compile' },
      { name: 'strict', path: '/strict' },
    ],
    trust: { mode: 'enforce', allow_at: 60, deny_below: 20, ...trust },
    ...extra,
  });
}

function build(trust: Record<string, unknown> = {}, d: TestDeps = deps(), extra: Record<string, unknown> = {}) {
  const check = buildTrustCheck(trustConfig(trust, extra), d);
  if (check === null) throw new Error('trust check not built');
  return { check, d };
}

async function judge(check: Check, c: RequestContext): Promise<Verdict> {
  return await check.run(c);
}

function request(headers: Record<string, string> = CURL, r = 'compile', ip = '198.51.100.7'): RequestContext {
  const c = ctx(headers, ip);
  c.route = route(r);
  c.id = `req-${Math.random().toString(36).slice(2)}`;
  return c;
}

const codes = (terms: readonly TrustTerm[]) => Object.fromEntries(terms.map((t) => [t.component, t.code]));

describe('trust check', () => {
  it('is not built when off (the default)', () => {
    expect(buildTrustCheck(config({}), deps())).toBeNull();
  });

  it('scores an anonymous curl request from the scored components only, the same every time', async () => {
    const { check } = build();
    const a = request();
    const b = request();
    expect(outcome(await judge(check, a))).toBe('continue');
    await judge(check, b);
    // identity 0.4x2, content 1x2, protocol 0.7x1 over weights 5; device, network, geography, behaviour, model
    // and history have no data and are not counted
    expect(a.trust!.score).toBe(70);
    expect(a.trust!.decision).toBe('allow');
    expect(a.trust!.terms).toEqual(b.trust!.terms);
    expect(scoreOf(a.trust!.terms)).toBe(a.trust!.score);
    expect(codes(a.trust!.terms)).toEqual({
      identity: 'identity:anonymous',
      device: 'device:no_user',
      network: 'network:no_sources',
      geography: 'geography:not_configured',
      behaviour: 'behaviour:unscored',
      model: 'model:unscored',
      content: 'content:clean',
      protocol: 'protocol:automation_ua',
      history: 'history:new_client',
    });
    const unscored = a.trust!.terms.filter((t) => t.value === null).map((t) => t.contribution);
    expect(unscored).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('challenges an anonymous client between the thresholds (401, WWW-Authenticate), denies below', async () => {
    const { check } = build({ allow_at: 80, deny_below: 20, routes: { strict: { deny_below: 75 } } });
    const v = await judge(check, request());
    expect(outcome(v)).toBe('401 trust:challenge');
    expect(v.kind !== 'continue' && v.headers?.['www-authenticate']).toBe('Bearer realm="portcullis"');
    const strict = request(CURL, 'strict');
    expect(outcome(await judge(check, strict))).toBe('403 trust:deny');
    expect(strict.trust!.decision).toBe('deny');
  });

  it('asks for an API key when API keys are configured', async () => {
    const { check } = build({ allow_at: 80 }, deps(), {
      identity: { api_keys: { keys: [{ sha256: 'a'.repeat(64), user: 'k', tier: 'anonymous' }] } },
      rate_limits: { tiers: { anonymous: { limits: [] } }, default_tier: 'anonymous' },
    });
    const v = await judge(check, request());
    expect(v.kind !== 'continue' && v.headers?.['www-authenticate']).toBe('ApiKey realm="portcullis"');
  });

  it('moves an identified client it challenges to the suspicious tier for the TTL, and lets the request on', async () => {
    const d = deps();
    const cfg = trustConfig({ allow_at: 95, suspicious_ttl_s: 60 }, { rate_limits: { mode: 'enforce' } });
    buildRateLimitCheck(cfg, d);
    const check = buildTrustCheck(cfg, d)!;
    const c = request();
    c.identity = { user: 'mallory', tier: 'authenticated', method: 'api_key' };
    const v = await judge(check, c);
    expect(outcome(v)).toBe('continue');
    expect(v.reasons).toEqual(['trust:challenge']);
    expect(c.trust!.decision).toBe('challenge');
    await new Promise((r) => setTimeout(r, 10));
    const control = rateControl(d.resources, d.store, d.clock);
    const subject = control.subjectOf(c, control.latest!);
    expect(control.overrides.current(subject.id)).toBe('suspicious');
    expect(control.tierOf(c, subject, control.latest!)).toBe('suspicious');
  });

  it('monitor mode decides as enforce would, and only records it', async () => {
    const d = deps();
    const cfg = trustConfig({ mode: 'monitor', allow_at: 95 }, { rate_limits: { mode: 'enforce' } });
    buildRateLimitCheck(cfg, d);
    const check = buildTrustCheck(cfg, d)!;
    expect(check.mode).toBe('monitor');
    const anon = request();
    const refused = applyVerdict(anon, check, await judge(check, anon));
    expect(refused).toBe(false);
    expect(anon.monitorHits).toEqual(['trust:challenge']);
    expect([anon.trust!.decision, anon.trust!.mode]).toEqual(['challenge', 'monitor']);
    const known = request();
    known.identity = { user: 'mallory', tier: 'authenticated', method: 'api_key' };
    applyVerdict(known, check, await judge(check, known));
    expect(known.monitorHits).toEqual(['trust:challenge']);
    await new Promise((r) => setTimeout(r, 10));
    const control = rateControl(d.resources, d.store, d.clock);
    expect(control.overrides.current(control.subjectOf(known, control.latest!).id)).toBeNull();
  });

  it('the allow list and bypass beat every component', async () => {
    const { check } = build({ allow_at: 100, deny_below: 100 });
    for (const listed of ['allow', 'bypass'] as const) {
      const c = request({});
      c.listed = listed;
      expect(outcome(await judge(check, c))).toBe('continue');
      expect(c.trust).toMatchObject({ decision: 'allow', override: listed === 'allow' ? 'allow_list' : 'bypass' });
      expect(c.trust!.terms).toEqual([]);
    }
  });

  for (const [name, store] of [
    ['synchronously', () => new DownStore({ maxKeys: 10 })],
    ['asynchronously', () => new DownAsyncStore({ maxKeys: 10 })],
  ] as const) {
    it(`with the store down (${name}) device and history are unscored and the rest decides`, async () => {
      const { check } = build({ allow_at: 80 }, deps(store()));
      const c = request();
      c.identity = { user: 'alice', tier: 'authenticated', method: 'api_key' };
      const v = await judge(check, c);
      expect(codes(c.trust!.terms)).toMatchObject({
        device: 'device:store_unavailable',
        history: 'history:store_unavailable',
      });
      // identity 0.9x2 + content 1x2 + protocol 0.7x1 over 5: the store's absence changed nothing else
      expect(c.trust!.score).toBe(90);
      expect(outcome(v)).toBe('continue');
      c.decision = 'deny';
      expect(() => check.onComplete!(c)).not.toThrow();
    });
  }

  it('a store fault that is not an outage is a fault', async () => {
    class Broken extends MemoryStore {
      override run<R>(): R {
        throw new StoreError('script', 'bad script');
      }
    }
    const { check } = build({}, deps(new Broken({ maxKeys: 10 })));
    expect(() => check.run(request())).toThrow(/bad script/);
  });

  it('remembers refusals and failed compiles per client, decayed by the half-life', async () => {
    const { check, d } = build({ components: { history: { half_life_s: 60, saturation: 4 } } });
    const first = request();
    await judge(check, first);
    first.decision = 'deny';
    check.onComplete!(first);
    first.decision = 'allow';
    first.compile = { outcome: 'timeout' } as RequestContext['compile'];
    check.onComplete!(first);
    const next = request();
    await judge(check, next);
    const h = next.trust!.terms.find((t) => t.component === 'history')!;
    expect([h.code, h.value, h.evidence.events]).toEqual(['history:refusals', 0.5, 2]);
    d.clock.advance(60_000);
    const later = request();
    await judge(check, later);
    expect(later.trust!.terms.find((t) => t.component === 'history')!.evidence.events).toBe(1);
    // another address has its own history
    const other = request(CURL, 'compile', '198.51.100.8');
    await judge(check, other);
    expect(other.trust!.terms.find((t) => t.component === 'history')!.code).toBe('history:new_client');
    // an IPv6 client is one client across its /64
    const v6 = request(CURL, 'compile', '2001:db8:1:2::1');
    await judge(check, v6);
    v6.decision = 'deny';
    check.onComplete!(v6);
    const rotated = request(CURL, 'compile', '2001:db8:1:2:ffff::9');
    await judge(check, rotated);
    expect(rotated.trust!.terms.find((t) => t.component === 'history')!.code).toBe('history:refusals');
    const elsewhere = request(CURL, 'compile', '2001:db8:1:3::1');
    await judge(check, elsewhere);
    expect(elsewhere.trust!.terms.find((t) => t.component === 'history')!.code).toBe('history:new_client');
    // trust's own refusals are not held against the client
    elsewhere.decision = 'challenge';
    elsewhere.refusal = { decision: 'challenge', status: 401, reasons: ['trust:challenge'], module: 'trust' };
    check.onComplete!(elsewhere);
    const same = request(CURL, 'compile', '2001:db8:1:3::1');
    await judge(check, same);
    expect(same.trust!.terms.find((t) => t.component === 'history')!.code).toBe('history:new_client');
  });

  it("knows a user's devices: the first, the same again, a new one", async () => {
    const { check } = build({ components: { device: { max_devices: 2 } } });
    const as = async (headers: Record<string, string>) => {
      const c = request(headers);
      c.identity = { user: 'dana', tier: 'authenticated', method: 'jwt' };
      await judge(check, c);
      return c.trust!.terms.find((t) => t.component === 'device')!.code;
    };
    const laptop = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', accept: '*/*' };
    const phone = { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/126 Mobile', accept: '*/*' };
    const tablet = { 'user-agent': 'Mozilla/5.0 (iPad; CPU OS 17_0) Safari/605', accept: '*/*' };
    expect(await as(laptop)).toBe('device:first');
    expect(await as(laptop)).toBe('device:known');
    expect(await as(phone)).toBe('device:new_for_user');
    expect(await as(phone)).toBe('device:known');
    expect(await as(tablet)).toBe('device:new_for_user');
    // at most two remembered: the laptop, the oldest, was dropped
    expect(await as(laptop)).toBe('device:new_for_user');
  });

  it('sends the breakdown header only to a request presenting the admin token', async () => {
    const { check } = build({ allow_at: 80, deny_below: 75 });
    const plain = request();
    await judge(check, plain);
    expect(plain.responseHeaders).toBeNull();
    const wrong = request({ ...CURL, 'proxy-authorization': 'Bearer nope' });
    await judge(check, wrong);
    expect(wrong.responseHeaders).toBeNull();
    const admin = request({ ...CURL, 'proxy-authorization': `Bearer ${TOKEN}` });
    const v = await judge(check, admin);
    expect(outcome(v)).toBe('403 trust:deny');
    const header = v.kind !== 'continue' ? v.headers?.['portcullis-trust'] : undefined;
    expect(header).toMatch(/^score=70; decision=deny; mode=enforce; override=-; identity:anonymous=0.4\*2; /);
    expect(header).toContain('device:no_user=unscored');
    const allowed = request({ ...CURL, 'proxy-authorization': `Bearer ${TOKEN}` });
    const { check: lenient } = build();
    await judge(lenient, allowed);
    expect(allowed.responseHeaders?.['portcullis-trust']).toMatch(/^score=70; decision=allow;/);
  });

  it('serves recent breakdowns by request id on the admin API', async () => {
    const d = deps();
    const { check } = build({ recent: 2 }, d);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = request();
      c.id = `id-${i}`;
      ids.push(c.id);
      await judge(check, c);
    }
    const get = d.routes.get('GET /admin/api/requests/*')!;
    const at = (id: string) => get({} as never, undefined, new URL(`http://admin/admin/api/requests/${id}`));
    const hit = await at('id-2');
    expect(hit.status).toBe(200);
    expect(hit.body).toMatchObject({ id: 'id-2', route: 'compile', trust: { score: 70, decision: 'allow' } });
    const terms = (hit.body as { trust: { terms: { unscored: boolean }[] } }).trust.terms;
    expect(terms.filter((t) => t.unscored)).toHaveLength(6);
    // the ring holds two: the oldest is gone
    expect((await at('id-0')).status).toBe(404);
    expect((await at('id-1')).status).toBe(200);
    // recent: 0 keeps nothing
    const none = deps();
    const { check: forgetful } = build({ recent: 0 }, none);
    const c = request();
    await judge(forgetful, c);
    const get0 = none.routes.get('GET /admin/api/requests/*')!;
    expect((await get0({} as never, undefined, new URL(`http://admin/admin/api/requests/${c.id}`))).status).toBe(404);
  });
});

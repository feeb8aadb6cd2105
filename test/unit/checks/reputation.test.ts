// The reputation check: inline allow, deny and bypass lists by one lookup, marks on the context, the admin view.
import { describe, expect, it } from 'vitest';
import { buildReputationCheck } from '../../../src/checks/reputation.js';
import type { Verdict } from '../../../src/core/verdict.js';
import { config, ctx, deps, outcome } from './helpers.js';

const lists = {
  reputation: {
    allow: ['192.0.2.0/24'],
    deny: ['198.51.100.0/24', '2001:db8:bad::/48'],
    bypass: ['203.0.113.5'],
  },
};

describe('reputation check', () => {
  it('is not built when off or without any list', () => {
    expect(buildReputationCheck(config({}), deps())).toBeNull();
    expect(buildReputationCheck(config({ reputation: { ...lists.reputation, mode: 'off' } }), deps())).toBeNull();
  });

  it('denies listed addresses (IPv4 and IPv6), passes others, and marks allow and bypass on the context', () => {
    const check = buildReputationCheck(config(lists), deps())!;
    expect(check.phase).toBe('connection');
    const denied = check.run(ctx({}, '198.51.100.77')) as Verdict;
    expect(denied.kind).toBe('deny');
    expect(outcome(denied)).toMatch(/^403 rep:/);
    expect((check.run(ctx({}, '2001:db8:bad:1::9')) as Verdict).kind).toBe('deny');
    const plain = ctx({}, '10.1.2.3');
    expect(outcome(check.run(plain) as Verdict)).toBe('continue');
    expect(plain.listed).toBe('');
    const allowed = ctx({}, '192.0.2.44');
    expect(outcome(check.run(allowed) as Verdict)).toBe('continue');
    expect(allowed.listed).toBe('allow');
    const bypass = ctx({}, '203.0.113.5');
    check.run(bypass);
    expect(bypass.listed).toBe('bypass');
    // Completion of listed and unlisted requests alike is quiet and safe (the log is silent here).
    check.onComplete!(bypass);
    check.onComplete!(plain);
  });

  it('answers the admin view: sizes, and one address looked up', async () => {
    const d = deps();
    buildReputationCheck(config(lists), d);
    const view = d.routes.get('GET /admin/api/reputation')!;
    expect(view).toBeDefined();
    const none = await view({} as never, undefined, new URL('http://admin/admin/api/reputation'));
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ prefixes: 4, files: [] });
    const one = await view({} as never, undefined, new URL('http://admin/admin/api/reputation?ip=198.51.100.1'));
    expect(one.body).toMatchObject({ ip: '198.51.100.1', listed: '', feeds: [], verdict: { kind: 'deny' } });
    const clean = await view({} as never, undefined, new URL('http://admin/admin/api/reputation?ip=10.0.0.1'));
    expect(clean.body).toMatchObject({ verdict: { kind: 'continue', reasons: [] } });
  });
});

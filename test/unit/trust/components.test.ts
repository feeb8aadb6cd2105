// Each trust component against the vectors in test/vectors/trust/components.json, plus the geo-backed ones.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RequestContext, type Identity } from '../../../src/core/context.js';
import type { BehaviourView } from '../../../src/core/behaviour.js';
import type { TrustTerm } from '../../../src/core/trust.js';
import type { ContentMatch } from '../../../src/core/verdict.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import type { GeoAnswer } from '../../../src/geo/lookup.js';
import { behaviourComponent, modelComponent } from '../../../src/trust/behaviour.js';
import { contentComponent } from '../../../src/trust/content.js';
import { geographyComponent } from '../../../src/trust/geography.js';
import { identityComponent } from '../../../src/trust/identity.js';
import { networkComponent } from '../../../src/trust/network.js';
import { protocolComponent } from '../../../src/trust/protocol.js';
import { deviceComponent } from '../../../src/trust/stateful.js';
import type { Weighting } from '../../../src/trust/term.js';

interface Case {
  name: string;
  headers: Record<string, string>;
  identity?: Identity;
  http10?: boolean;
  matches?: ContentMatch[];
  reasons?: string[];
  behaviour?: BehaviourView;
  expect: Record<string, { code: string; value: number | null }>;
}

const vectors = JSON.parse(readFileSync(new URL('../../vectors/trust/components.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

const w = (component: string): Weighting => ({ component, weight: 1, cap: 1 });
const route = { name: 'compile', config: { deny_score: 100 } } as unknown as CompiledRoute;

function contextOf(c: Case): RequestContext {
  const ctx = new RequestContext('POST', c.headers, 0);
  ctx.clientIp = '198.51.100.7';
  ctx.route = route;
  if (c.identity !== undefined) ctx.identity = c.identity;
  if (c.http10 === true) ctx.http10 = true;
  for (const m of c.matches ?? []) ctx.matches.push(m);
  for (const r of c.reasons ?? []) ctx.reasons.push(r);
  if (c.behaviour !== undefined) ctx.behaviour = c.behaviour;
  return ctx;
}

const components: Record<string, (ctx: RequestContext) => TrustTerm> = {
  identity: identityComponent(w('identity'), 'suspicious'),
  protocol: protocolComponent(w('protocol')),
  content: contentComponent(w('content'), true),
  behaviour: behaviourComponent(w('behaviour')),
  model: modelComponent(w('model')),
  network: networkComponent(w('network'), { feeds: true, geo: null, hostingAsns: new Set() }),
  device: (
    (d) => (ctx: RequestContext) =>
      d(ctx, null, '')
  )(deviceComponent(w('device'))),
};

describe('trust components (vectors)', () => {
  for (const c of vectors.cases) {
    it(c.name, () => {
      const ctx = contextOf(c);
      for (const [name, want] of Object.entries(c.expect)) {
        const t = components[name]!(ctx);
        expect({ name, code: t.code, value: t.value }).toEqual({ name, ...want });
        expect(t.component).toBe(name);
        if (t.value === null) expect(t.contribution).toBe(0);
        else expect(t.contribution).toBeCloseTo(t.value, 6);
      }
    });
  }
});

describe('components without their data', () => {
  it('content without any rules is unscored', () => {
    const t = contentComponent(w('content'), false)(new RequestContext('GET', {}, 0));
    expect([t.code, t.value]).toEqual(['content:no_rules', null]);
  });

  it('network without feeds or databases is unscored', () => {
    const t = networkComponent(w('network'), { feeds: false, geo: null, hostingAsns: new Set() })(
      new RequestContext('GET', {}, 0),
    );
    expect([t.code, t.value]).toEqual(['network:no_sources', null]);
  });

  it('a cap limits what a component credits, not what it shows', () => {
    const t = identityComponent(
      { component: 'identity', weight: 2, cap: 0.5 },
      'suspicious',
    )(
      Object.assign(new RequestContext('GET', {}, 0), {
        identity: { user: 'u', tier: 'premium', method: 'jwt' } as Identity,
      }),
    );
    expect([t.value, t.contribution]).toEqual([1, 1]);
  });
});

describe('geo-backed components', () => {
  const answer = (a: Partial<GeoAnswer>): GeoAnswer => ({
    internal: false,
    country: null,
    registered: null,
    asn: null,
    org: null,
    anonymous: [],
    ...a,
  });
  const ctx = new RequestContext('GET', {}, 0);
  ctx.clientIp = '203.0.113.9';

  it('geography: risk per country, the default for others, unscored when unknown or internal', () => {
    const table: Record<string, GeoAnswer> = {
      '203.0.113.9': answer({ country: 'XX' }),
      '203.0.113.10': answer({ country: 'DE' }),
      '203.0.113.11': answer({}),
      '10.0.0.1': answer({ internal: true }),
    };
    const g = geographyComponent(w('geography'), {
      countryRisk: { XX: 0.8 },
      defaultRisk: 0.1,
      geo: (ip) => table[ip]!,
    });
    const at = (ip: string) => {
      ctx.clientIp = ip;
      const t = g(ctx);
      return [t.code, t.value];
    };
    expect(at('203.0.113.9')).toEqual(['geography:risk', 0.2]);
    expect(at('203.0.113.10')).toEqual(['geography:risk', 0.9]);
    expect(at('203.0.113.11')).toEqual(['geography:unknown_country', null]);
    expect(at('10.0.0.1')).toEqual(['geography:internal', null]);
    // the same country twice: the same (frozen) term
    ctx.clientIp = '203.0.113.9';
    expect(g(ctx)).toBe(g(ctx));
  });

  it('geography without risks or without a database is unscored, saying which', () => {
    const none = geographyComponent(w('geography'), { countryRisk: {}, defaultRisk: 0, geo: () => answer({}) });
    const nodb = geographyComponent(w('geography'), { countryRisk: { XX: 1 }, defaultRisk: 0, geo: null });
    expect(none(ctx).code).toBe('geography:not_configured');
    expect(nodb(ctx).code).toBe('geography:no_database');
  });

  it('network: hosting ASNs and anonymisers cost trust', () => {
    const table: Record<string, GeoAnswer> = {
      '203.0.113.1': answer({ asn: 16509 }),
      '203.0.113.2': answer({ anonymous: ['tor'] }),
      '203.0.113.3': answer({ asn: 3320 }),
    };
    const n = networkComponent(w('network'), { feeds: false, geo: (ip) => table[ip]!, hostingAsns: new Set([16509]) });
    const at = (ip: string) => {
      ctx.clientIp = ip;
      const t = n(ctx);
      return [t.code, t.value];
    };
    expect(at('203.0.113.1')).toEqual(['network:hosting', 0.7]);
    expect(at('203.0.113.2')).toEqual(['network:anonymiser', 0.5]);
    expect(at('203.0.113.3')).toEqual(['network:clean', 1]);
  });
});

// Engine behaviour: scoring and thresholds, CRITICAL alone, monitor rules, paranoia, targets, decoded views,
// exclusions by rule/tag/route/field, the positive model per tier, and what a match records.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SignatureEngine, type InspectInput } from '../../../src/signatures/engine.js';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';
import { loadRuleFiles } from '../../../src/signatures/loader.js';
import { buildEngine } from '../../../src/signatures/build.js';

const RULES = loadRuleFiles([join(import.meta.dirname, '../../vectors/signatures/rules-ok/engine.yaml')]);

function engine(cfg: Record<string, unknown> = {}): SignatureEngine {
  return buildEngine(signaturesConfigSchema.parse(cfg), RULES, ['compile', 'other']);
}

function req(code: string, extra: Partial<InspectInput> = {}): InspectInput {
  return {
    route: 'compile',
    tier: 'anonymous',
    path: '/compile',
    query: '',
    headers: { host: 'localhost' },
    fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }],
    body: null,
    ...extra,
  };
}

describe('signature engine', () => {
  it('passes clean requests with the shared empty result', () => {
    const r = engine().inspect(req('\\draw (0,0) -- (1,1);'));
    expect(r).toMatchObject({ deny: false, score: 0, matches: [], reasons: [] });
  });

  it('refuses on a CRITICAL match alone, with sig:<id> reasons and matches without the payload', () => {
    const r = engine({ anomaly_threshold: 1000 }).inspect(req('% hi\n\\immediate\\write 18{rm -rf /}'));
    expect(r.deny).toBe(true);
    expect(r.critical).toBe(true);
    expect(r.reasons).toEqual(['sig:t.crit']);
    expect(r.matches).toEqual([
      {
        rule: 't.crit',
        target: 'code',
        field: 'tikz_code',
        offset: 10,
        score: 100,
        severity: 'CRITICAL',
        confidence: 'high',
      },
    ]);
    expect(JSON.stringify(r.matches)).not.toContain('rm -rf');
  });

  it('sums scores against the route threshold', () => {
    const e = engine({ anomaly_threshold: 40, routes: { other: { anomaly_threshold: 50 } } });
    expect(e.inspect(req('\\openin')).deny).toBe(false);
    expect(e.inspect(req('\\openin')).score).toBe(30);
    const both = e.inspect(req('\\openin \\read'));
    expect(both).toMatchObject({ deny: true, score: 45, reasons: ['sig:t.high', 'sig:t.medium'] });
    expect(e.inspect(req('\\openin \\read', { route: 'other' })).deny).toBe(false);
  });

  it('counts each rule once however often it matches', () => {
    const r = engine().inspect(
      req('\\openin \\openin', {
        fields: [
          { name: 'tikz_code', path: 'items[0].tikz_code', value: '\\openin', code: true },
          { name: 'tikz_code', path: 'items[1].tikz_code', value: '\\openin', code: true },
        ],
      }),
    );
    expect(r.score).toBe(30);
    // The two pieces, then the pieces joined (as a service might join a repeated field).
    expect(r.matches.map((m) => m.field)).toEqual([
      'items[0].tikz_code',
      'items[1].tikz_code',
      'tikz_code[*]',
      'tikz_code[*]',
    ]);
  });

  it('inspects the pieces of a code field sent several times joined, as a service may join them', () => {
    const r = engine().inspect(
      req('x', {
        fields: [
          { name: 'tikz_code', path: 'tikz_code[0]', value: '\\wri', code: true },
          { name: 'tikz_code', path: 'tikz_code[1]', value: 'te18{id}', code: true },
        ],
      }),
    );
    expect(r.deny).toBe(true);
    expect(r.matches[0]).toMatchObject({ rule: 't.crit', field: 'tikz_code[*]' });
  });

  it('reports monitor-mode rules without counting them', () => {
    const r = engine().inspect(req('\\special{x}'));
    expect(r).toMatchObject({ deny: false, score: 0, reasons: [], monitorReasons: ['sig:t.monitor'] });
    expect(r.matches).toHaveLength(1);
  });

  it('runs rules only at or below the paranoia level (globally or per route)', () => {
    expect(engine().inspect(req('\\catcode')).deny).toBe(false);
    expect(engine({ paranoia: 2 }).inspect(req('\\catcode')).deny).toBe(true);
    expect(engine({ routes: { compile: { paranoia: 2 } } }).inspect(req('\\catcode')).deny).toBe(true);
  });

  it('keeps TeX rules on code fields and web rules elsewhere', () => {
    const e = engine();
    expect(e.inspect(req('<script>alert(1)</script>')).deny).toBe(false);
    const inTitle = req('x', {
      fields: [
        { name: 'tikz_code', path: 'tikz_code', value: 'x', code: true },
        { name: 'title', path: 'title', value: '&lt;script&gt;', code: false },
      ],
    });
    expect(e.inspect(inTitle).reasons).toEqual(['sig:t.web']);
    expect(e.inspect(req('x', { query: 'q=%3Cscript%3E' })).reasons).toEqual(['sig:t.web']);
    expect(e.inspect(req('x', { path: '/compile/<script>' })).matches[0]).toMatchObject({
      target: 'path',
      field: null,
    });
    const h = e.inspect(req('x', { headers: { host: 'localhost', referer: 'http://a/<script>' } }));
    expect(h.matches[0]).toMatchObject({ target: 'headers', field: 'referer' });
  });

  it('reads the raw body bytes for body rules', () => {
    const r = engine().inspect(req('x', { body: Buffer.from('{"a":"secret-marker"}') }));
    expect(r.matches[0]).toMatchObject({ rule: 't.body', target: 'body', field: null, offset: 6 });
  });

  it('honours field:NAME targets and ^ anchors per value', () => {
    const e = engine();
    const named = (name: string) => req('x', { fields: [{ name, path: name, value: 'forbidden', code: false }] });
    expect(e.inspect(named('title')).reasons).toEqual(['sig:t.named']);
    expect(e.inspect(named('caption')).reasons).toEqual([]);
    // The header line is the whole value: ^ anchors at each header, not at the start of all of them.
    const r = e.inspect(req('x', { headers: { host: 'localhost', 'x-evil': '1' } }));
    expect(r.reasons).toEqual(['sig:t.anchored']);
  });

  it('also inspects the percent-decoded view of code (a %5C hidden from TeX comments)', () => {
    const r = engine().inspect(req('%5Cwrite18{id}'));
    expect(r.reasons).toEqual(['sig:t.crit']);
  });

  it('excludes rules by id, prefix, tag, route and field', () => {
    const code = '\\write18{x}';
    expect(engine({ exclusions: [{ rules: ['t.crit'] }] }).inspect(req(code)).deny).toBe(false);
    expect(engine({ exclusions: [{ rules: ['t.*'] }] }).inspect(req(code)).deny).toBe(false);
    expect(engine({ exclusions: [{ tags: ['danger'] }] }).inspect(req(code)).deny).toBe(false);
    const byRoute = engine({ exclusions: [{ rules: ['t.crit'], routes: ['other'] }] });
    expect(byRoute.inspect(req(code)).deny).toBe(true);
    expect(byRoute.inspect(req(code, { route: 'other' })).deny).toBe(false);
    const byField = engine({ exclusions: [{ rules: ['t.crit'], fields: ['tikz_code'] }] });
    expect(byField.inspect(req(code)).deny).toBe(false);
    const other = req('x', { fields: [{ name: 'preamble', path: 'preamble', value: code, code: true }] });
    expect(byField.inspect(other).deny).toBe(true);
  });

  it('rejects exclusions that name no rule or tag', () => {
    expect(() => engine({ exclusions: [{ rules: ['t.nope'] }] })).toThrow(/no rule "t.nope"/);
    expect(() => engine({ exclusions: [{ tags: ['nope'] }] })).toThrow(/no rule has the tag "nope"/);
  });

  it('applies the positive model per tier', () => {
    const e = engine({ allowlists: { premium: { packages: ['minted'] }, trusted: { packages: ['*'] } } });
    const code = '\\documentclass{article}\\usepackage{tikz,minted}\\usetikzlibrary{calc, arrows.meta}';
    const anon = e.inspect(req(code));
    expect(anon.deny).toBe(true);
    expect(anon.reasons).toEqual(['sig:policy.package-not-allowed']);
    expect(anon.policy).toEqual([{ rule: 'policy.package-not-allowed', name: 'minted', offset: 23 }]);
    expect(e.inspect(req(code, { tier: 'premium' })).deny).toBe(false);
    expect(e.inspect(req('\\usepackage{anything}', { tier: 'trusted' })).deny).toBe(false);
    expect(e.inspect(req('\\usetikzlibrary{external}')).reasons).toEqual(['sig:policy.library-not-allowed']);
    expect(e.inspect(req('\\documentclass{evil}')).reasons).toEqual(['sig:policy.class-not-allowed']);
    expect(e.inspect(req('\\input tikz.tex \\input{pgf}')).deny).toBe(false);
    expect(e.inspect(req('\\usetikzlibrary{ext.paths.ortho, pgfplots.groupplots}')).deny).toBe(false);
    expect(e.inspect(req('\\usetikzlibrary{ext}')).reasons).toEqual(['sig:policy.library-not-allowed']);
    expect(e.inspect(req('\\input{secrets}')).reasons).toEqual(['sig:policy.input-not-allowed']);
    // Obfuscated loads are seen through the TeX transform.
    expect(e.inspect(req('\\csname usepackage\\endcsname{minted}')).deny).toBe(true);
    expect(e.inspect(req('\\usepackage{\\x}')).deny).toBe(true);
  });

  it('remembers clean texts only: a refused text is refused every time', () => {
    const e = engine();
    for (let i = 0; i < 4; i++) {
      expect(e.inspect(req('\\write18{x}')).deny).toBe(true);
      expect(e.inspect(req('\\draw (0,0);')).deny).toBe(false);
      expect(e.inspect(req('x', { query: 'q=<script>' })).deny).toBe(true);
    }
    // A text clean in one tier is not assumed clean in another (the positive model differs).
    const tiers = engine({ allowlists: { premium: { packages: ['minted'] } } });
    expect(tiers.inspect(req('\\usepackage{minted}', { tier: 'premium' })).deny).toBe(false);
    expect(tiers.inspect(req('\\usepackage{minted}', { tier: 'premium' })).deny).toBe(false);
    expect(tiers.inspect(req('\\usepackage{minted}')).deny).toBe(true);
    // Nor in another field (exclusions may differ per field), nor a query equal to a clean header.
    const byField = engine({ exclusions: [{ rules: ['t.crit'], fields: ['tikz_code'] }] });
    expect(byField.inspect(req('\\write18')).deny).toBe(false);
    expect(byField.inspect(req('\\write18')).deny).toBe(false);
    const other = req('x', { fields: [{ name: 'preamble', path: 'preamble', value: '\\write18', code: true }] });
    expect(byField.inspect(other).deny).toBe(true);
  });

  it('works with the clean-text memory off', () => {
    const e = engine({ clean_cache_entries: 0 });
    expect(e.inspect(req('\\draw (0,0);')).deny).toBe(false);
    expect(e.inspect(req('\\write18{x}')).deny).toBe(true);
  });

  it('keeps at most 64 matches and policy refusals per request', () => {
    const r = engine().inspect(req('\\usepackage{x}'.repeat(1000)));
    expect(r.deny).toBe(true);
    expect(r.policy.length).toBeLessThanOrEqual(64);
    expect(r.matches.length).toBeLessThanOrEqual(64);
  });

  it('policy refusals can be excluded like rules', () => {
    const e = engine({ exclusions: [{ rules: ['policy.package-not-allowed'], routes: ['compile'] }] });
    expect(e.inspect(req('\\usepackage{minted}')).deny).toBe(false);
  });
});

describe('signature engine, clean-text memory and early stops', () => {
  it('remembers nothing of a request cut short by a CRITICAL match (its other texts met no rule)', () => {
    // The code's CRITICAL match stops the inspection before the header meets its rules: were the header
    // then remembered as clean, the same header with harmless code would pass.
    const e = engine();
    const evil = { host: 'localhost', 'user-agent': '<script>alert(1)</script>' };
    for (let i = 0; i < 4; i++) expect(e.inspect(req('\\write18{x}', { headers: evil })).deny).toBe(true);
    expect(e.inspect(req('\\draw (0,0);', { headers: evil })).reasons).toEqual(['sig:t.web']);
    // Likewise a second code field behind a first one that was refused.
    const two = (a: string, b: string) =>
      req('', {
        fields: [
          { name: 'tikz_code', path: 'tikz_code[0]', value: a, code: true },
          { name: 'tikz_code', path: 'tikz_code[1]', value: b, code: true },
        ],
      });
    for (let i = 0; i < 4; i++) expect(e.inspect(two('\\write18{x}', '\\openin\\read')).deny).toBe(true);
    const alone = req('\\openin\\read');
    expect(e.inspect(alone).reasons).toEqual(['sig:t.high', 'sig:t.medium']);
  });

  it('knows a header value clean for its header name only (rules read the name too)', () => {
    const e = engine();
    for (let i = 0; i < 4; i++) expect(e.inspect(req('x', { headers: { 'x-good': '1' } })).deny).toBe(false);
    expect(e.inspect(req('x', { headers: { 'x-good': '1', 'x-evil': '1' } })).reasons).toEqual(['sig:t.anchored']);
    // Each value of a repeated header on its own; the same value as path or query is not assumed clean.
    for (let i = 0; i < 4; i++) expect(e.inspect(req('x', { headers: { 'x-list': ['a', 'b'] } })).deny).toBe(false);
    expect(e.inspect(req('x', { headers: { 'x-list': ['a', '<script>'] } })).reasons).toEqual(['sig:t.web']);
    for (let i = 0; i < 4; i++) expect(e.inspect(req('x', { headers: { 'x-v': '<scrip' } })).deny).toBe(false);
    expect(e.inspect(req('x', { query: '<script' })).deny).toBe(true);
  });
});

describe('signature engine, cost bounds', () => {
  it('stops at the first CRITICAL match unless asked for every match', () => {
    const e = engine({ anomaly_threshold: 1000 });
    const text = '\\write18{x} \\openin \\read';
    expect(e.inspect(req(text)).reasons).toEqual(['sig:t.crit']);
    expect(e.inspect(req(text), true).reasons).toEqual(['sig:t.crit', 'sig:t.high', 'sig:t.medium']);
  });
});

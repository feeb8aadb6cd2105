// The `sig` check as the pipeline sees it: PASS when clean, a scored continue, a 403 deny with reasons and
// matches, monitor-mode rules recorded as monitor hits; built from gateway config like every check.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../../src/core/context.js';
import { PASS, type Verdict } from '../../../src/core/verdict.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildSignaturesCheck, signaturesCheck } from '../../../src/checks/signatures.js';
import { buildEngine } from '../../../src/signatures/build.js';
import { signaturesConfigSchema } from '../../../src/signatures/config.js';
import { loadRuleFiles } from '../../../src/signatures/loader.js';
import type { CompiledRoute } from '../../../src/core/route.js';

const RULES = loadRuleFiles([join(import.meta.dirname, '../../vectors/signatures/rules-ok/engine.yaml')]);
const REPO = join(import.meta.dirname, '../../..');

function ctx(code: string, query = ''): RequestContext {
  const c = new RequestContext('POST', { host: 'localhost', 'content-type': 'application/json' }, 0);
  c.path = '/compile';
  c.query = query;
  c.route = { name: 'compile' } as unknown as CompiledRoute;
  c.decoded = { type: 'json', fields: [{ name: 'tikz_code', path: 'tikz_code', value: code, code: true }] };
  return c;
}

describe('sig check', () => {
  const engine = buildEngine(signaturesConfigSchema.parse({}), RULES, ['compile']);
  const check = signaturesCheck(engine, 'enforce');

  it('is a body-phase check named sig', () => {
    expect(check).toMatchObject({ name: 'sig', phase: 'body', mode: 'enforce' });
  });

  it('passes clean requests with the shared PASS verdict', () => {
    expect(check.run(ctx('\\draw (0,0) -- (1,1);'))).toBe(PASS);
  });

  it('scores below the threshold and refuses at it', () => {
    expect(check.run(ctx('\\openin'))).toMatchObject({ kind: 'continue', score: 30, reasons: ['sig:t.high'] });
    const v = check.run(ctx('\\write18{id}')) as Verdict;
    expect(v).toMatchObject({ kind: 'deny', status: 403, reasons: ['sig:t.crit'], score: 100 });
    expect(v.matches).toEqual([
      {
        rule: 't.crit',
        target: 'code',
        field: 'tikz_code',
        offset: 0,
        score: 100,
        severity: 'CRITICAL',
        confidence: 'high',
      },
    ]);
  });

  it('records monitor-mode rules as monitor hits, never refusing', () => {
    const c = ctx('\\special{x}');
    expect(check.run(c)).toMatchObject({ kind: 'continue', score: 0, reasons: [] });
    expect(c.monitorHits).toEqual(['sig:t.monitor']);
  });

  it('reads the query and headers even without a decoded body', () => {
    const c = ctx('x', 'q=%3Cscript%3E');
    c.decoded = null;
    expect(check.run(c)).toMatchObject({ kind: 'deny', reasons: ['sig:t.web'] });
  });

  it('is built from gateway config (shipped rules), and not at all when off', () => {
    const cfg = configSchema.parse({
      upstream: { url: 'http://127.0.0.1:1' },
      routes: [{ name: 'compile', path: '/compile', inspect_body: true }],
      checks: { signatures: { rules_dir: join(REPO, 'rules') } },
    });
    const built = buildSignaturesCheck(cfg);
    expect(built).not.toBeNull();
    expect(built!.run(ctx('\\input{/etc/passwd}'))).toMatchObject({ kind: 'deny', status: 403 });
    const off = configSchema.parse({
      upstream: { url: 'http://127.0.0.1:1' },
      checks: { signatures: { mode: 'off' } },
    });
    expect(buildSignaturesCheck(off)).toBeNull();
  });
});

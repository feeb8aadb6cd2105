// The report of one finished request, from vectors (test/vectors/incidents/signals.json): which refusals,
// monitor hits and compile outcomes are reports of which kind, and which are none.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../../src/core/context.js';
import type { CompileOutcome } from '../../../src/core/compile.js';
import type { RefusalDecision } from '../../../src/core/verdict.js';
import { signalOf } from '../../../src/incidents/signals.js';

interface Case {
  name: string;
  refusal?: [string, RefusalDecision, number, string[]];
  matches?: string[];
  monitor?: string[];
  compile?: string;
  listed?: 'allow' | 'bypass';
  anomalies?: { detector: string; source: string }[];
  kind: string | null;
  subject?: string;
  detail?: string;
}
const { cases } = JSON.parse(
  readFileSync(new URL('../../vectors/incidents/signals.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

function contextOf(c: Case): RequestContext {
  const ctx = new RequestContext('POST', {}, 0);
  ctx.clientIp = '203.0.113.9';
  if (c.refusal !== undefined) {
    const [module, decision, status, reasons] = c.refusal;
    ctx.refusal = { module, decision, status, reasons };
    ctx.decision = decision;
    ctx.status = status;
  }
  (c.matches ?? []).forEach((confidence, i) =>
    ctx.matches.push({ rule: `rule.${i}`, target: 'body', field: 'tikz_code', offset: 0, score: 5, confidence }),
  );
  ctx.monitorHits.push(...(c.monitor ?? []));
  if (c.compile !== undefined) ctx.compile = { outcome: c.compile } as CompileOutcome;
  if (c.listed !== undefined) ctx.listed = c.listed;
  if (c.anomalies !== undefined)
    ctx.behaviour = {
      scored: true,
      unscored: '',
      model: null,
      anomalies: c.anomalies.map((a) => ({ detector: a.detector, confidence: 0.9, evidence: { source: a.source } })),
    };
  return ctx;
}

describe('signalOf', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const s = signalOf(contextOf(c));
    expect(s?.kind ?? null).toBe(c.kind);
    if (s === null) return;
    expect(s.subject).toBe(c.subject ?? 'ip:203.0.113.9');
    if (c.detail !== undefined) expect(s.detail).toBe(c.detail);
  });
});

// The signatures check (module `sig`): body phase, TeX-aware and web rule matching plus the positive model.
// A CRITICAL match or a score at the route's threshold refuses (403); lesser matches add to the trust score.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import type { DecodedField } from '../core/decoded.js';
import { buildEngine, ruleFilesOf, webRulesRun } from '../signatures/build.js';
import type { SignatureEngine } from '../signatures/engine.js';
import { loadRuleFiles } from '../signatures/loader.js';
import type { CheckDeps } from './deps.js';
import { costRoutesOf } from '../cost/routes.js';

const NO_FIELDS: readonly DecodedField[] = Object.freeze([]);

export function signaturesCheck(engine: SignatureEngine, mode: 'enforce' | 'monitor'): Check {
  return Object.freeze({
    name: 'sig',
    phase: 'body',
    mode,
    run(ctx: RequestContext): Verdict {
      const r = engine.inspect({
        route: ctx.route?.name ?? null,
        tier: ctx.identity.tier,
        path: ctx.path,
        query: ctx.query,
        headers: ctx.headers,
        fields: ctx.decoded?.fields ?? NO_FIELDS,
        body: ctx.body,
      });
      if (r.matches.length === 0) return PASS;
      // Rules in monitor mode never refuse; they are recorded as what would have been refused.
      for (const m of r.monitorReasons) ctx.monitorHits.push(m);
      if (r.deny) return { kind: 'deny', status: 403, reasons: r.reasons, score: r.score, matches: r.matches };
      return { kind: 'continue', score: r.score, reasons: r.reasons, matches: r.matches };
    },
  } satisfies Check);
}

export function buildSignaturesCheck(config: GatewayConfig, deps: Pick<CheckDeps, 'watch'> = {}): Check | null {
  const c = config.checks.signatures;
  if (c.mode === 'off') return null;
  const files = ruleFilesOf(c);
  // Watched before they are read: an edit that lands while this build reads them still reloads.
  for (const f of files) deps.watch?.(f);
  const engine = buildEngine(
    c,
    loadRuleFiles(files),
    config.routes.map((r) => r.name),
    costRoutesOf(config),
    webRulesRun(c, config.checks.crs.mode),
  );
  return signaturesCheck(engine, c.mode);
}

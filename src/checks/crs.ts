// The CRS check (module `crs`): body phase, the OWASP Core Rule Set's request rules on every target that is not
// a code field. CRS's own anomaly scoring decides (REQUEST-949); its matches become `crs:<id>` reasons.
import type { Check } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS, type ContentMatch, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { loadCrs } from '../crs/load.js';
import { evaluate } from '../crs/engine.js';
import { buildInput } from '../crs/input.js';
import { exclusionCtls, type RouteCtls } from '../crs/exclusions.js';
import type { Program } from '../crs/rule.js';
import type { CheckDeps } from './deps.js';

export function crsCheck(
  program: Program,
  exclusions: RouteCtls,
  fallbackCodeFields: ReadonlySet<string>,
  mode: 'enforce' | 'monitor',
): Check {
  return Object.freeze({
    name: 'crs',
    phase: 'body',
    mode,
    run(ctx: RequestContext): Verdict {
      const input = buildInput(ctx, fallbackCodeFields);
      const r = evaluate(program, input, { ctls: exclusions.forRoute(ctx.route?.name ?? null) });
      if (r.matches.length === 0 && r.deniedBy === 0) return PASS;
      const reasons: string[] = [];
      const matches: ContentMatch[] = [];
      for (const m of r.matches) {
        const reason = `crs:${m.id}`;
        if (!reasons.includes(reason)) reasons.push(reason);
        const colon = m.variable.indexOf(':');
        matches.push({
          rule: reason,
          target: colon === -1 ? m.variable : m.variable.slice(0, colon),
          field: colon === -1 ? null : m.variable.slice(colon + 1),
          offset: 0,
          score: 0,
          severity: m.severity === '' ? undefined : m.severity.toLowerCase(),
        });
      }
      if (r.deniedBy !== 0) return { kind: 'deny', status: 403, reasons, score: r.score, matches };
      return { kind: 'continue', score: r.score, reasons, matches };
    },
  } satisfies Check);
}

/** Every route's code fields: a request no route matched is still judged without any of them. */
function allCodeFields(config: GatewayConfig): ReadonlySet<string> {
  const s = new Set<string>();
  for (const r of config.routes) for (const f of r.code_fields) s.add(f);
  if (s.size === 0) s.add('tikz_code');
  return s;
}

export function buildCrsCheck(config: GatewayConfig, deps: Pick<CheckDeps, 'watch'> = {}): Check | null {
  const c = config.checks.crs;
  if (c.mode === 'off' || c.dir === undefined) return null;
  const loaded = loadCrs({
    dir: c.dir,
    paranoia_level: c.paranoia_level,
    detection_paranoia_level: c.detection_paranoia_level,
    anomaly_threshold: c.anomaly_threshold,
  });
  for (const f of loaded.files) deps.watch?.(f);
  return crsCheck(loaded.program, exclusionCtls(c.exclusions), allCodeFields(config), c.mode);
}

// Canaries: strings planted where only the compile host can read them (a line of /etc/passwd, an environment
// marker); one in any answer of the route means data is leaving the server. The answer is refused whole.
import type { Mode, ResponseCheck, ResponseVerdict, UpstreamResponse } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import { PASS } from '../core/verdict.js';
import type { CanariesConfig } from './config.js';
import { isEncoded } from './answer.js';

/** The module name of the check: its refusals read `response:canary`. */
export const CANARY_CHECK = 'response';

/** Text without ASCII whitespace: a canary split over lines, `<tspan>`s or kerning gaps is still found. */
export function squeeze(text: string): string {
  return text.replace(/[\t\n\f\r ]+/g, '');
}

export function canaryIn(text: string, canaries: readonly string[]): boolean {
  for (const c of canaries) if (text.includes(c)) return true;
  return false;
}

const FOUND = Object.freeze(['response:canary']);
const ENCODED = Object.freeze(['response:content_encoding']);
const CLEAN = Object.freeze({ check: CANARY_CHECK, kind: 'any', action: 'pass', reasons: [], stripped: 0 } as const);

export function buildCanaryCheck(route: string, config: CanariesConfig): ResponseCheck {
  const mode: Mode = config.mode;
  const needles = config.strings.map((s) => Buffer.from(s, 'utf8'));
  const verdictOf = (ctx: RequestContext, reasons: readonly string[]): ResponseVerdict => {
    (ctx.inspections ??= []).push({
      check: CANARY_CHECK,
      kind: 'any',
      action: mode === 'monitor' ? 'monitor' : 'refuse',
      reasons,
      stripped: 0,
    });
    const matches = [{ rule: reasons[0]!, target: 'response', field: 'body', offset: 0, score: 0 }];
    return mode === 'monitor'
      ? { kind: 'continue', score: 0, reasons, matches }
      : { kind: 'deny', status: 502, reasons, matches };
  };
  return Object.freeze({
    name: CANARY_CHECK,
    mode,
    needsBody: true,
    routes: new Set([route]),
    run(ctx: RequestContext, res: UpstreamResponse): ResponseVerdict {
      const body = res.body;
      if (body === null) return PASS;
      // Compressed bytes hide the text: an answer the check cannot read is not let through.
      if (isEncoded(res.headers['content-encoding'])) return verdictOf(ctx, ENCODED);
      for (const n of needles) if (body.includes(n)) return verdictOf(ctx, FOUND);
      (ctx.inspections ??= []).push(CLEAN);
      return PASS;
    },
  });
}

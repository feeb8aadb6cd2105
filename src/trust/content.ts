// The content component: what the signatures (and CRS) found in the request, against the route's deny score.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import { scored, unscored, type Weighting } from './term.js';

/** A request whose matches reach this share of the route's deny score is a near miss. */
const NEAR = 0.5;

export function contentComponent(w: Weighting, rulesOn: boolean): (ctx: RequestContext) => TrustTerm {
  if (!rulesOn) {
    const off = unscored(w, 'content:no_rules');
    return () => off;
  }
  const clean = scored(w, 'content:clean', 1, Object.freeze({ matches: 0, score: 0 }));
  return (ctx) => {
    const matches = ctx.matches;
    if (matches.length === 0) return clean;
    let points = 0;
    let low = 0;
    for (const m of matches) {
      points += m.score;
      if (m.confidence === 'low') low++;
    }
    const denyAt = ctx.route?.config.deny_score ?? 100;
    const share = Math.min(1, points / denyAt);
    const code = share >= NEAR ? 'content:near_miss' : 'content:matches';
    return scored(w, code, 1 - share, { matches: matches.length, score: points, deny_score: denyAt, low });
  };
}

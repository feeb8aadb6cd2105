// The behaviour and model components: what behaviour analytics concluded (ctx.behaviour), unscored when it could not.
import type { RequestContext } from '../core/context.js';
import type { TrustTerm } from '../core/trust.js';
import { scored, unscored, type Weighting } from './term.js';

export function behaviourComponent(w: Weighting): (ctx: RequestContext) => TrustTerm {
  const notRun = unscored(w, 'behaviour:unscored', Object.freeze({ why: 'not_run' }));
  const normal = scored(w, 'behaviour:normal', 1, Object.freeze({ anomalies: 0 }));
  // one term per reason for being unscored: the reasons are a short fixed list of the behaviour module's
  const byWhy = new Map<string, TrustTerm>();
  return (ctx) => {
    const b = ctx.behaviour;
    if (b === null) return notRun;
    if (!b.scored) {
      let t = byWhy.get(b.unscored);
      if (t === undefined) {
        t = unscored(w, 'behaviour:unscored', Object.freeze({ why: b.unscored || 'unknown' }));
        if (byWhy.size < 64) byWhy.set(b.unscored, t);
      }
      return t;
    }
    const top = b.anomalies[0];
    if (top === undefined) return normal;
    return scored(w, `behaviour:${top.detector}`, 1 - top.confidence, {
      anomalies: b.anomalies.length,
      confidence: top.confidence,
    });
  };
}

/** The learned model's anomaly score (0 normal .. 1 anomalous); it ranks with the rest, never decides alone. */
export function modelComponent(w: Weighting): (ctx: RequestContext) => TrustTerm {
  const off = unscored(w, 'model:unscored');
  return (ctx) => {
    const m = ctx.behaviour?.model ?? null;
    if (m === null) return off;
    return scored(w, m >= 0.5 ? 'model:anomalous' : 'model:typical', 1 - m, { anomaly: m });
  };
}

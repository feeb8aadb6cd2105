// The trust breakdown as operators read it: the event's field, the response header, and the lines `explain` prints.
import type { TrustResult } from '../core/trust.js';

export interface TrustEventTerm {
  readonly component: string;
  readonly code: string;
  readonly value: number | null;
  readonly weight: number;
  readonly contribution: number;
  readonly unscored: boolean;
  readonly evidence: Readonly<Record<string, string | number | boolean>>;
}

export interface TrustEventField {
  readonly score: number;
  readonly decision: string;
  readonly override: string;
  readonly mode: string;
  readonly terms: readonly TrustEventTerm[];
}

/** The event's `trust` field (and the admin API's): every term with `unscored` spelt out. */
export function trustField(r: TrustResult): TrustEventField {
  return {
    score: r.score,
    decision: r.decision,
    override: r.override,
    mode: r.mode,
    terms: r.terms.map((t) => ({
      component: t.component,
      code: t.code,
      value: t.value,
      weight: t.weight,
      contribution: t.contribution,
      unscored: t.value === null,
      evidence: t.evidence,
    })),
  };
}

/**
 * The `Portcullis-Trust` header: `score=72.5; decision=allow; mode=enforce; override=-; identity:api_key=0.9*2;
 * device:no_user=unscored; ...`. Codes and numbers only (ASCII), never request content.
 */
export function trustHeader(r: TrustResult): string {
  let s = `score=${r.score}; decision=${r.decision}; mode=${r.mode}; override=${r.override || '-'}`;
  for (const t of r.terms) s += t.value === null ? `; ${t.code}=unscored` : `; ${t.code}=${t.value}*${t.weight}`;
  return s;
}

/** The precedence `explain` states: the operator's lists beat every component, then the thresholds decide. */
export const PRECEDENCE = 'allow list > bypass > thresholds (allow at or above allow_at, deny below deny_below)';

/** Lines for `portcullis explain`: the decision, why, and one line per term. */
export function explainLines(t: TrustEventField): string[] {
  const out = [
    `trust: score ${t.score} -> ${t.decision} (${t.mode})${t.override !== '' ? ` by ${t.override}` : ''}`,
    `  precedence: ${PRECEDENCE}`,
  ];
  if (t.override !== '') {
    out.push(`  the ${t.override === 'allow_list' ? 'allow list' : 'bypass list'} decided; no component was scored`);
    return out;
  }
  for (const x of t.terms) {
    const ev = Object.entries(x.evidence)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const what = x.unscored
      ? `unscored (not counted)`
      : `value ${x.value!.toFixed(2)} x weight ${x.weight} = ${x.contribution.toFixed(2)}`;
    out.push(`  ${x.component.padEnd(10)} ${x.code.padEnd(32)} ${what}${ev !== '' ? `  [${ev}]` : ''}`);
  }
  return out;
}

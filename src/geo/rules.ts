// Geo rules as one function from a geo answer to a Verdict, built once per config. Verdicts are frozen and
// cached per address by the check, so the per-request cost is a cache read.
import { PASS, type Verdict } from '../core/verdict.js';
import type { GeoConfig } from './config.js';
import type { GeoAnswer } from './lookup.js';
import { ANONYMOUS_FLAGS } from './records.js';

export type GeoRules = (a: GeoAnswer) => Verdict;

function frozenDeny(reason: string): Verdict {
  return Object.freeze({ kind: 'deny', status: 403, reasons: Object.freeze([reason]) });
}

/** The countries a rule looks at for this answer, per `country_field`. */
function codesFor(a: GeoAnswer, field: GeoConfig['country_field']): string[] {
  if (field === 'either')
    return [a.country, a.registered].filter((c, i, all): c is string => c !== null && all.indexOf(c) === i);
  const first = field === 'country' ? (a.country ?? a.registered) : (a.registered ?? a.country);
  return first === null ? [] : [first];
}

export function buildGeoRules(c: GeoConfig): GeoRules {
  const deny = new Set(c.deny_countries);
  const allow = new Set(c.allow_countries);
  const denyAsn = new Set(c.deny_asns);
  const countryRisk = new Map(Object.entries(c.country_risk));
  const asnRisk = new Map(Object.entries(c.asn_risk).map(([k, v]) => [Number(k), v]));
  const anon = c.anonymous_risk;
  return (a) => {
    if (a.internal) return PASS;
    const codes = codesFor(a, c.country_field);
    for (const cc of codes) if (deny.has(cc)) return frozenDeny(`geo:deny:${cc}`);
    if (allow.size !== 0 && codes.length !== 0 && !codes.some((cc) => allow.has(cc))) {
      return frozenDeny(`geo:not_allowed:${codes[0]!}`);
    }
    if (a.asn !== null && denyAsn.has(a.asn)) return frozenDeny(`geo:asn_deny:AS${a.asn}`);
    let points = 0;
    const reasons: string[] = [];
    if (codes.length === 0 && c.unknown_risk > 0) {
      points += c.unknown_risk;
      reasons.push('geo:unknown');
    }
    let worst = 0;
    let worstCode = '';
    for (const cc of codes) {
      const r = countryRisk.get(cc) ?? 0;
      if (r > worst) [worst, worstCode] = [r, cc];
    }
    if (worst > 0) {
      points += worst;
      reasons.push(`geo:risk:${worstCode}`);
    }
    const ar = a.asn === null ? 0 : (asnRisk.get(a.asn) ?? 0);
    if (ar > 0) {
      points += ar;
      reasons.push(`geo:asn:AS${a.asn!}`);
    }
    for (const f of ANONYMOUS_FLAGS) {
      if (anon[f] > 0 && a.anonymous.includes(f)) {
        points += anon[f];
        reasons.push(`geo:anonymous:${f}`);
      }
    }
    if (reasons.length === 0) return PASS;
    return Object.freeze({ kind: 'continue', score: points, reasons: Object.freeze(reasons) });
  };
}

// Which CRS rules the configuration alone decides: a rule that reads only TX variables no request can change
// (paranoia levels, thresholds, the setup's defaults) gives the same answer on every request, so the engine
// evaluates it once per program and replays what it did after (crs/engine.ts). About 110 of the 280 links a
// request walks at paranoia 1 are such rules: the skips to a file's end and the setup.
import { templateOf } from './macros.js';
import type { Program, Rule } from './rule.js';

/** TX keys a rule reads, or null when it reads anything else (a request collection, MATCHED_*, a key regex). */
function txReads(rule: Rule): Set<string> | null {
  const reads = new Set<string>();
  for (let l: Rule | null = rule; l !== null; l = l.chained) {
    // Captures write TX:0-9 from what matched; several values, excludes or stages make the answer per value.
    if (l.capture || l.multiMatch || l.excludes.length > 0) return null;
    for (const t of l.targets) {
      if (t.name !== 'TX' || t.key === null || t.keyRe !== null) return null;
      reads.add(t.key);
    }
    if (l.op.dynamic) {
      const more = macroReads(l.opArg);
      if (more === null) return null;
      for (const k of more) reads.add(k);
    }
  }
  return reads;
}

/**
 * Where a setvar writes: an exact key, or every key starting with the text before its first macro; and the TX
 * keys its value reads (null: it reads something else, MATCHED_VAR or a header).
 */
interface Write {
  readonly key: string;
  readonly prefix: boolean;
  readonly reads: readonly string[] | null;
}

/** The TX keys a macro text reads (`%{rule.id}` reads none), null when it reads anything else. */
function macroReads(text: string): string[] | null {
  const reads: string[] = [];
  for (const part of templateOf(text)) {
    if (typeof part === 'string' || part.coll === 'RULE') continue;
    if (part.coll !== 'TX') return null;
    if (part.key !== null) reads.push(part.key);
  }
  return reads;
}

function writesOf(rule: Rule): Write[] {
  const out: Write[] = [];
  for (let l: Rule | null = rule; l !== null; l = l.chained) {
    for (const s of l.setvars) {
      if (s.collection !== 'tx') continue;
      const at = s.name.indexOf('%{');
      const reads = macroReads(s.value);
      out.push(at === -1 ? { key: s.name, prefix: false, reads } : { key: s.name.slice(0, at), prefix: true, reads });
    }
    // TX:0-9 hold the captures of the last match.
    if (l.capture) for (let d = 0; d < 10; d++) out.push({ key: String(d), prefix: false, reads: null });
  }
  return out;
}

/**
 * Per phase, by rule index: whether the rule is decided by the configuration. A rule is, when it reads only
 * TX keys that only such rules write, and it is reached the same way on every request: no rule that is not
 * decided by the configuration can skip over a rule that writes a key another reads. What a ctl removes at run
 * time is the engine's concern: it stops replaying from the first removal of a request on.
 */
export function configDecided(
  program: Program,
  skipTo: readonly (readonly { readonly skipTo: number }[])[],
): readonly (readonly boolean[])[] {
  const heads: { rule: Rule; phase: number; index: number; reads: Set<string> | null; writes: Write[] }[] = [];
  program.phases.forEach((rules, phase) =>
    rules.forEach((rule, index) => {
      if (rule.marker === null) heads.push({ rule, phase, index, reads: txReads(rule), writes: writesOf(rule) });
    }),
  );
  // Ranges a rule can skip: [from, to) by phase (skipAfter continues after the plan's skipTo, as evaluate does).
  const skipRange = (h: (typeof heads)[number]): [number, number] | null => {
    const r = h.rule;
    if (r.skipAfter !== null) return [h.index + 1, skipTo[h.phase]![h.index]!.skipTo + 1];
    return r.skip > 0 ? [h.index + 1, h.index + 1 + r.skip] : null;
  };
  let decided = heads.map((h) => h.reads !== null);
  for (;;) {
    // Keys some undecided rule writes, and places an undecided rule may skip.
    const exact = new Set<string>();
    const prefixes: string[] = [];
    const skipped: [number, number, number][] = [];
    const changes = (w: Write): void => void (w.prefix ? prefixes.push(w.key) : exact.add(w.key));
    heads.forEach((h, i) => {
      if (decided[i]) return;
      for (const w of h.writes) changes(w);
      const range = skipRange(h);
      if (range !== null) skipped.push([h.phase, range[0], range[1]]);
    });
    const changing = (k: string): boolean => exact.has(k) || prefixes.some((p) => k.startsWith(p));
    // A decided rule that writes what the request changed (`=+%{tx.inbound_anomaly_score_pl1}`) changes its key.
    for (let grew = true; grew;) {
      grew = false;
      heads.forEach((h, i) => {
        if (!decided[i]) return;
        for (const w of h.writes) {
          if (w.prefix ? prefixes.includes(w.key) : exact.has(w.key)) continue;
          if (w.reads === null || w.reads.some(changing)) {
            changes(w);
            grew = true;
          }
        }
      });
    }
    const mayBeSkipped = (h: (typeof heads)[number]): boolean =>
      skipped.some(([p, from, to]) => p === h.phase && h.index >= from && h.index < to);
    const next = heads.map((h, i) => {
      if (!decided[i]) return false;
      for (const k of h.reads!) if (changing(k)) return false;
      // A writer whose run depends on the request makes what it writes change.
      return !(h.writes.length > 0 && mayBeSkipped(h));
    });
    if (next.every((d, i) => d === decided[i])) break;
    decided = next;
  }
  const out = program.phases.map((rules) => rules.map(() => false));
  heads.forEach((h, i) => (out[h.phase]![h.index] = decided[i]!));
  return out.map((p) => Object.freeze(p));
}

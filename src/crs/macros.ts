// SecLang macro texts (`%{tx.critical_anomaly_score}`, `%{MATCHED_VAR}`, `%{rule.id}`): split once into literal
// parts and references, for the engine that expands them per request and for the load-time analysis of what a
// rule reads (crs/fold.ts).
import { intern } from './intern.js';

export interface MacroRef {
  /** Upper case (`TX`, `MATCHED_VAR`, `RULE`). */
  readonly coll: string;
  /** Lower case, null when the macro names no key. */
  readonly key: string | null;
}

/** A macro text split into literal parts and references. */
export type Template = readonly (string | MacroRef)[];

/** Macro texts split once into literal parts and references (the texts are the rules' own: a bounded set). */
const templates = new Map<string, Template>();

export function templateOf(s: string): Template {
  let t = templates.get(s);
  if (t === undefined) {
    const parts: (string | MacroRef)[] = [];
    let last = 0;
    for (const m of s.matchAll(/%\{([^}]+)\}/g)) {
      if (m.index > last) parts.push(s.slice(last, m.index));
      const ref = m[1]!;
      const dot = ref.indexOf('.');
      parts.push({
        coll: intern((dot === -1 ? ref : ref.slice(0, dot)).toUpperCase()),
        key: dot === -1 ? null : intern(ref.slice(dot + 1).toLowerCase()),
      });
      last = m.index + m[0].length;
    }
    if (last < s.length) parts.push(s.slice(last));
    templates.set(s, (t = Object.freeze(parts)));
  }
  return t;
}

/**
 * A rule's text split at load when it holds a macro, else null (the text is used as it is): what the engine
 * expands per request, without looking for `%{` or the template again.
 */
export function macrosIn(s: string): Template | null {
  return s.includes('%{') ? templateOf(s) : null;
}

// Which field names a backend could read as one of the route's code fields (`tikz_code`): the TeX rules
// must see every such field, whatever spelling, nesting or source (body, query, cookie) carried it.

/*
 * Backends do not compare names byte for byte. Go's encoding/json and Jackson/.NET binders match keys
 * ignoring case (Unicode simple folding: U+212A KELVIN SIGN is `k`, U+017F LONG S is `s`); PHP, Rails and
 * qs read `tikz_code[]`, `tikz_code[0]`, `a[tikz_code]` and `a.tikz_code` as (part of) `tikz_code`, and PHP
 * turns ` ` and `.` in a top-level name into `_`; binders map `tikzCode` and `TikzCode` onto `tikz_code`.
 * A name is therefore reduced to keys: percent-decoded once more, NFKC, case folded, with everything but
 * letters and digits removed; the whole name and each of its `[...]` / `.` components give one key each.
 * A key equal to a configured code field's key makes the field code. This over-matches on purpose: a
 * harmless field inspected as TeX costs a little CPU; a code field read as plain text is a bypass.
 */

const ESCAPE = /%[0-9A-Fa-f]{2}/;
const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;
const COMPONENTS = /[[\].]/;
const NOT_ALNUM = /[^\p{L}\p{N}]/gu;
/** Only ASCII letters, digits and `_`, none upper case: such a name folds to itself minus the `_`s. */
const PLAIN = /^[a-z0-9_]*$/;
const MEMO_MAX = 1024;

function fold(name: string): string {
  let s = name;
  if (ESCAPE.test(s)) {
    // JSON keys, cookie names and names that were escaped twice still hold %xx: decode once (more).
    try {
      s = decodeURIComponent(s);
    } catch {
      s = s.replace(ASCII_ESCAPE, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  }
  // Upper then lower, as Java's equalsIgnoreCase does: `ß` -> `ss`, `ı` -> `i`; JS lower-cases `İ` to
  // `i` + U+0307, which Java and .NET read as `i`.
  return s
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .replace(/\u0307/g, '');
}

const keyOf = (folded: string): string => folded.replace(NOT_ALNUM, '');

/** The code-field names of one route, folded once; `canonical` answers per field name, memoised. */
export class CodeFieldNames {
  /** Folded key -> configured name. */
  private readonly keys = new Map<string, string>();
  private readonly memo = new Map<string, string | null>();

  constructor(readonly exact: ReadonlySet<string>) {
    for (const name of exact) {
      const k = keyOf(fold(name));
      if (k !== '' && !this.keys.has(k)) this.keys.set(k, name);
    }
  }

  /** The configured code field `name` stands for, or null. An exact, configured name costs one Set lookup. */
  canonical(name: string): string | null {
    if (this.exact.has(name)) return name;
    if (this.keys.size === 0 || name === '') return null;
    const hit = this.memo.get(name);
    if (hit !== undefined) return hit;
    const found = this.lookup(name);
    // Bounded: a client sending endless distinct names only makes later look-ups slower, never wrong.
    if (this.memo.size < MEMO_MAX && name.length <= 256) this.memo.set(name, found);
    return found;
  }

  /** Every configured code field `name` mentions (for `a.tikz_code` style paths naming several). */
  all(name: string): string[] {
    if (this.exact.has(name)) return [name];
    const out: string[] = [];
    const folded = fold(name);
    const whole = this.keys.get(keyOf(folded));
    if (whole !== undefined) out.push(whole);
    for (const part of folded.split(COMPONENTS)) {
      const hit = this.keys.get(keyOf(part));
      if (hit !== undefined && !out.includes(hit)) out.push(hit);
    }
    return out;
  }

  private lookup(name: string): string | null {
    // Lower-case ASCII names (nearly all of them) need no decoding, normalisation or splitting.
    if (PLAIN.test(name)) return this.keys.get(name.indexOf('_') === -1 ? name : name.replace(/_/g, '')) ?? null;
    const folded = fold(name);
    const whole = this.keys.get(keyOf(folded));
    if (whole !== undefined) return whole;
    if (!COMPONENTS.test(folded)) return null;
    for (const part of folded.split(COMPONENTS)) {
      const hit = this.keys.get(keyOf(part));
      if (hit !== undefined) return hit;
    }
    return null;
  }
}

const byFields = new WeakMap<ReadonlySet<string>, CodeFieldNames>();

/** The folded names for a route's code-field set, built on first use and kept as long as the set lives. */
export function codeFieldNames(fields: ReadonlySet<string>): CodeFieldNames {
  let m = byFields.get(fields);
  if (m === undefined) {
    m = new CodeFieldNames(fields);
    byFields.set(fields, m);
  }
  return m;
}

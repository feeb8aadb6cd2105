// How a target's key regex (`TX:/^header_name_920450_/`, `ARGS:/^id_/`) is answered for a key: most CRS key
// regexes are a literal, anchored or not, compared here without a regex call; the rest go to RE2, after a look
// for their required atoms. Built once per regex, looked up once per target, not once per key.
import type RE2 from 're2';
import { requiredAtoms } from './atoms.js';

export interface KeyTest {
  readonly re: RE2;
  /** The literal (lower case) the key must start with (anchored) or hold, or null for a general regex. */
  readonly literal: string | null;
  readonly anchored: boolean;
  /** A general regex's required atoms, when few enough to look for one by one; else null. */
  readonly atoms: readonly string[] | null;
}

const tests = new WeakMap<RE2, KeyTest>();

/**
 * `^lit`, `lit.*`, `lit_*` (CRS's MULTIPART_HEADERS_CONTENT_TYPES_* key: the literal, then any number of `_`),
 * compiled with `i`: the literal; anything else is a general regex.
 */
const LITERAL = /^(\^?)([a-z0-9_-]+?)(?:\.\*|([a-z0-9_-])\*)?$/i;

export function keyTestOf(re: RE2): KeyTest {
  let t = tests.get(re);
  if (t === undefined) {
    const m = re.flags.includes('i') ? LITERAL.exec(re.source) : null;
    if (m !== null) t = { re, literal: m[2]!.toLowerCase(), anchored: m[1] === '^', atoms: null };
    else {
      const req = requiredAtoms(re.source);
      t = { re, literal: null, anchored: false, atoms: req !== null && req.length <= 4 ? req : null };
    }
    tests.set(re, (t = Object.freeze(t)));
  }
  return t;
}

/**
 * Whether the key holds the literal (at its start when anchored), ASCII case ignored, as RE2 would answer; null
 * when a character above 0xFF stands where the answer depends on it (Unicode case folding may match it: RE2
 * decides then). Folding maps one character to one, so a key shorter than the literal never holds it.
 */
export function literalMatch(t: KeyTest, key: string): boolean | null {
  const lit = t.literal!;
  const n = lit.length;
  if (key.length < n) return false;
  if (t.anchored) {
    for (let i = 0; i < n; i++) {
      let c = key.charCodeAt(i);
      if (c > 0xff) return null;
      if (c >= 65 && c <= 90) c += 32;
      if (c !== lit.charCodeAt(i)) return false;
    }
    return true;
  }
  // one look at each character: one above 0xFF leaves it to RE2; an upper-case ASCII letter needs lowering (TX
  // names, set lower case, have none)
  let upper = false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff) return null;
    if (c >= 65 && c <= 90) upper = true;
  }
  return (upper ? asciiLower(key) : key).includes(lit);
}

/** ASCII letters lowered, nothing else: toLowerCase() would also fold 0xC0-0xDE, which the literal never holds. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** A general regex with atoms: false when the key holds none of them (no regex call), else null. */
export function atomsExclude(t: KeyTest, key: string): boolean {
  if (t.atoms === null) return false;
  const lower = key.toLowerCase();
  return !t.atoms.some((a) => lower.includes(a));
}

/** Whether a key regex matches a key: by its literal when it has one, else RE2 unless its atoms rule it out. */
export function keyMatch(t: KeyTest, key: string): boolean {
  if (t.literal !== null) {
    const r = literalMatch(t, key);
    if (r !== null) return r;
  }
  return atomsExclude(t, key) ? false : t.re.test(key);
}

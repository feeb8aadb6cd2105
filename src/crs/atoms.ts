// Required atoms of a CRS regex: a set of ASCII literals such that every match contains one of them (compared
// ignoring ASCII case). A rule's value that holds none cannot match, so the engine skips the RE2 call, which
// costs about a microsecond even on a short value (the string crosses into C++). The idea is RE2's own
// FilteredRE2 / prefilter; the analysis here is small and only ever loosens: what it does not understand
// requires nothing, so a value is never skipped that the regex could match.
import { parsePattern, type Item } from '../signatures/regex-items.js';

/** Most strings an exact set may hold before it is given up (cross products grow fast). */
const MAX_EXACT = 64;
/** Longest string an exact set may hold: longer literals add nothing to selectivity. */
const MAX_LEN = 16;

/** What one piece of a pattern matches: exactly one of a few strings, and/or something holding one of `any`. */
interface Info {
  /** The piece's whole language when it is small and finite (lower case, '' allowed); null otherwise. */
  readonly exact: ReadonlySet<string> | null;
  /** Every match of the piece contains one of these (non-empty, lower case); null when nothing is required. */
  readonly any: ReadonlySet<string> | null;
}

const EMPTY: Info = { exact: new Set(['']), any: null };
const UNKNOWN: Info = { exact: null, any: null };

/**
 * Characters an atom may hold: ASCII (case folded by the scan), and bytes 0x80-0xFF without a case mapping
 * (`¼`, `×`, `\xbc`): RE2 folds nothing onto them, so a plain comparison is exact.
 */
const isAtomChar = (ch: string): boolean => {
  if (ch.length !== 1) return false;
  const c = ch.charCodeAt(0);
  return c < 0x80 || (c <= 0xff && ch.toLowerCase() === ch && ch.toUpperCase() === ch);
};

/** Better requirement: longer shortest atom first (fewer values hold it), then fewer atoms. */
function better(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  const ma = Math.min(...[...a].map((s) => s.length));
  const mb = Math.min(...[...b].map((s) => s.length));
  if (ma !== mb) return ma > mb ? a : b;
  return a.size <= b.size ? a : b;
}

/** An exact set used as a requirement: only when none of its strings is empty. */
function asAny(exact: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (exact === null) return null;
  for (const s of exact) if (s === '') return null;
  return exact;
}

function cross(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> | null {
  if (a.size * b.size > MAX_EXACT) return null;
  const out = new Set<string>();
  for (const x of a)
    for (const y of b) {
      const s = x + y;
      if (s.length > MAX_LEN) return null;
      out.add(s);
    }
  return out;
}

function repeat(base: Info, min: number, max: number): Info {
  if (min === 1 && max === 1) return base;
  // Optional: may match nothing, so requires nothing; its language grows by ''.
  if (min === 0) {
    if (max === 1 && base.exact !== null) return { exact: new Set(['', ...base.exact]), any: null };
    return UNKNOWN;
  }
  // Repeated at least once: whatever one repetition requires, the whole requires; `min` repetitions of an
  // exact piece in a row are a longer literal (`\.{2,3}` holds `..`).
  let first: Set<string> | null = null;
  if (base.exact !== null && min <= 4) {
    first = new Set(['']);
    for (let i = 0; i < min && first !== null; i++) first = cross(first, base.exact);
  }
  return { exact: min === max ? first : null, any: better(base.any, asAny(first ?? base.exact)) };
}

const CLASS_CONTROLS: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };

/** Most characters a class may stand for and still be read as an exact set. */
const MAX_CLASS = 6;

/**
 * The characters of a class item (`["'\x60]`, `[<>]`, `[xX]` with its repetition after the `]`), lower case,
 * when it is positive, plain ASCII and small; null otherwise (negated, escapes naming sets, ranges too wide).
 */
function classChars(src: string): Set<string> | null {
  if (src[1] === '^') return null;
  const out = new Set<string>();
  let i = 1;
  const read = (): string | null => {
    const c = src[i];
    if (c === undefined) return null;
    if (c !== '\\') {
      i++;
      return c;
    }
    const e = src[i + 1];
    if (e === 'x') {
      const m = /^\\x([0-9A-Fa-f]{2})/.exec(src.slice(i));
      if (m === null) return null;
      i += 4;
      return String.fromCharCode(parseInt(m[1]!, 16));
    }
    if (e !== undefined && /[^0-9A-Za-z]/.test(e)) {
      i += 2;
      return e;
    }
    const control = e === undefined ? undefined : CLASS_CONTROLS[e];
    if (control === undefined) return null; // \s, \d, \w ...: sets of characters
    i += 2;
    return control;
  };
  let first = true;
  while (i < src.length && (src[i] !== ']' || first)) {
    first = false;
    if (src[i] === '[') return null; // [:alpha:] and the like
    const a = read();
    if (a === null) return null;
    let b = a;
    if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
      i++;
      const e = read();
      if (e === null) return null;
      b = e;
    }
    const lo = a.charCodeAt(0);
    const hi = b.charCodeAt(0);
    if (hi < lo || hi >= 0x80 || hi - lo >= MAX_CLASS) return null;
    for (let c = lo; c <= hi; c++) out.add(String.fromCharCode(c).toLowerCase());
    if (out.size > MAX_CLASS) return null;
  }
  return src[i] === ']' && out.size > 0 ? out : null;
}

function itemInfo(it: Item): Info {
  switch (it.kind) {
    case 'assert':
    case 'flags':
      return EMPTY;
    case 'char':
      return repeat(isAtomChar(it.ch) ? { exact: new Set([it.ch.toLowerCase()]), any: null } : UNKNOWN, it.min, it.max);
    case 'group':
      return repeat(altsInfo(it.alts), it.min, it.max);
    default: {
      // A small class of ASCII characters is a few one-character strings; larger classes, `.`, `\s` and
      // the like are any one of many characters: a match needs one, but no literal.
      const chars = it.src.startsWith('[') ? classChars(it.src) : null;
      return chars === null ? UNKNOWN : repeat({ exact: chars, any: null }, it.min, it.max);
    }
  }
}

function seqInfo(items: readonly Item[]): Info {
  let cur: ReadonlySet<string> | null = new Set(['']);
  let exactWhole = true;
  let best: ReadonlySet<string> | null = null;
  for (const it of items) {
    const info = itemInfo(it);
    best = better(best, info.any);
    if (info.exact === null) {
      exactWhole = false;
      best = better(best, asAny(cur));
      cur = new Set(['']);
      continue;
    }
    const next: Set<string> | null = cur === null ? null : cross(cur, info.exact);
    if (next === null) {
      // Too many or too long: keep what the run so far requires and start a new run at this item.
      exactWhole = false;
      best = better(best, asAny(cur));
      cur = info.exact;
    } else cur = next;
  }
  best = better(best, asAny(cur));
  return { exact: exactWhole ? cur : null, any: best };
}

function altsInfo(alts: readonly (readonly Item[])[]): Info {
  const infos = alts.map(seqInfo);
  let exact: Set<string> | null = new Set();
  const any = new Set<string>();
  let anyOk = true;
  for (const i of infos) {
    if (exact !== null && i.exact !== null && exact.size + i.exact.size <= MAX_EXACT) {
      for (const s of i.exact) exact.add(s);
    } else exact = null;
    const req = i.any ?? asAny(i.exact);
    if (req === null) anyOk = false;
    else for (const s of req) any.add(s);
  }
  return { exact, any: anyOk && any.size > 0 ? any : null };
}

/**
 * The literals one of which every match of `pattern` contains (ASCII in lower case, or bytes without case), or null when the analysis
 * finds no requirement (or cannot read the pattern). Sound by construction: it only forgets requirements.
 */
export function requiredAtoms(pattern: string): readonly string[] | null {
  let alts: Item[][];
  try {
    alts = parsePattern(pattern);
  } catch {
    return null;
  }
  const info = altsInfo(alts);
  const req = info.any ?? asAny(info.exact);
  return req === null ? null : [...req].sort();
}

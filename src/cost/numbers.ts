// Numbers as TeX and PGF write them in code fields: plain or with a unit, and small arithmetic expressions
// (`10*\n`, `2^12`, `\the\numexpr\n*10\relax`), evaluated with the macro values the reader has seen.
// Linear in the text read: one pass, a depth bound for parentheses, no backtracking.

/** A value lookup: a macro's (or counter's) numeric value, NaN when unknown. */
export type Lookup = (name: string) => number;

/** Centimetres per unit (TikZ's default unit for a bare coordinate is 1 cm; a bare dimension is read as pt). */
export function unitToCm(t: string, at: number): { readonly cm: number; readonly end: number } | null {
  const a = t.charCodeAt(at) | 32;
  const b = t.charCodeAt(at + 1) | 32;
  let cm = 0;
  if (a === 112 && b === 116)
    cm = 2.54 / 72.27; // pt
  else if (a === 99 && b === 109)
    cm = 1; // cm
  else if (a === 109 && b === 109)
    cm = 0.1; // mm
  else if (a === 105 && b === 110)
    cm = 2.54; // in
  else if (a === 98 && b === 112)
    cm = 2.54 / 72; // bp
  else if (a === 101 && b === 109)
    cm = 0.35; // em (about 10pt)
  else if (a === 101 && b === 120)
    cm = 0.15; // ex
  else if (a === 112 && b === 99)
    cm = (12 * 2.54) / 72.27; // pc
  else if (a === 115 && b === 112)
    cm = 2.54 / 72.27 / 65536; // sp
  else if (a === 100 && b === 100)
    cm = 0.0376; // dd
  else return null;
  // a unit is two letters not followed by a third (`cm` yes, `cmyk` no)
  const c = t.charCodeAt(at + 2);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) return null;
  return { cm, end: at + 2 };
}

/** Where the number read by readNumber ended (module state: one reader runs at a time, synchronously). */
export let numberEnd = 0;

/** A decimal number at `at` (sign, digits, fraction, exponent); NaN when none (numberEnd = at). */
export function readNumber(t: string, at: number, end: number): number {
  let i = at;
  let neg = false;
  if (i < end && (t.charCodeAt(i) === 45 || t.charCodeAt(i) === 43)) {
    neg = t.charCodeAt(i) === 45;
    i++;
  }
  let v = 0;
  let digits = 0;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && t.charCodeAt(i) === 46) {
    i++;
    let scale = 0.1;
    while (i < end) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v += (c - 48) * scale;
      scale /= 10;
      digits++;
      i++;
    }
  }
  if (digits === 0) {
    numberEnd = at;
    return NaN;
  }
  if (i < end && (t.charCodeAt(i) | 32) === 101) {
    // an exponent only when digits follow (`1e6`), not a unit like `em` / `ex`
    let j = i + 1;
    let eneg = false;
    if (t.charCodeAt(j) === 45 || t.charCodeAt(j) === 43) eneg = t.charCodeAt(j++) === 45;
    let e = 0;
    let ed = 0;
    while (j < end && ed < 4) {
      const c = t.charCodeAt(j);
      if (c < 48 || c > 57) break;
      e = e * 10 + (c - 48);
      ed++;
      j++;
    }
    if (ed > 0) {
      v *= Math.pow(10, eneg ? -e : e);
      i = j;
    }
  }
  numberEnd = i;
  return neg ? -v : v;
}

const MAX_DEPTH = 16;

/** Names that only wrap a number in TeX (`\the\numexpr 3*4\relax`): skipped by the evaluator. */
const TRANSPARENT: ReadonlySet<string> = new Set([
  'the',
  'numexpr',
  'dimexpr',
  'relax',
  'number',
  'arabic',
  'fpeval',
  'inteval',
  'pgfmathparse',
]);

/**
 * Evaluates a small expression (numbers with optional units read as cm, macros through `lookup`, `+ - * / ^`,
 * parentheses, and a few PGF functions); NaN when it holds anything else. `t.slice(from, to)` is the text.
 */
export function evaluate(t: string, from: number, to: number, lookup: Lookup): number {
  const p = new ExprParser(t, to, lookup);
  p.i = from;
  const v = p.sum(0);
  p.blank();
  return p.i >= to && !p.bad ? v : NaN;
}

class ExprParser {
  i = 0;
  bad = false;
  constructor(
    private readonly t: string,
    private readonly end: number,
    private readonly lookup: Lookup,
  ) {}

  blank(): void {
    const t = this.t;
    while (this.i < this.end) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 123 || c === 125) this.i++;
      else if (c === 92) {
        // `\the`, `\numexpr`, `\relax`: wrappers, skipped
        let j = this.i + 1;
        while (j < this.end && isLetter(t.charCodeAt(j))) j++;
        if (!TRANSPARENT.has(t.slice(this.i + 1, j))) return;
        this.i = j;
      } else return;
    }
  }

  sum(depth: number): number {
    let v = this.product(depth);
    for (;;) {
      this.blank();
      const c = this.t.charCodeAt(this.i);
      if (c === 43) {
        this.i++;
        v += this.product(depth);
      } else if (c === 45) {
        this.i++;
        v -= this.product(depth);
      } else return v;
    }
  }

  product(depth: number): number {
    let v = this.power(depth);
    for (;;) {
      this.blank();
      const c = this.t.charCodeAt(this.i);
      if (c === 42) {
        this.i++;
        v *= this.power(depth);
      } else if (c === 47) {
        this.i++;
        v /= this.power(depth);
      } else return v;
    }
  }

  power(depth: number): number {
    const base = this.unary(depth);
    this.blank();
    if (this.t.charCodeAt(this.i) !== 94) return base;
    this.i++;
    return Math.pow(base, this.power(depth + 1 > MAX_DEPTH ? this.fail() : depth + 1));
  }

  fail(): number {
    this.bad = true;
    this.i = this.end;
    return MAX_DEPTH + 1;
  }

  unary(depth: number): number {
    if (depth > MAX_DEPTH) return this.fail();
    this.blank();
    const t = this.t;
    const c = t.charCodeAt(this.i);
    if (c === 45) {
      this.i++;
      return -this.unary(depth + 1);
    }
    if (c === 43) {
      this.i++;
      return this.unary(depth + 1);
    }
    if (c === 40) {
      this.i++;
      const v = this.sum(depth + 1);
      this.blank();
      if (t.charCodeAt(this.i) !== 41) return this.fail();
      this.i++;
      return v;
    }
    if (c === 92) {
      let j = this.i + 1;
      while (j < this.end && isLetter(t.charCodeAt(j))) j++;
      const name = t.slice(this.i + 1, j);
      this.i = j;
      if (name === 'value') return this.counter();
      const v = this.lookup(name);
      if (Number.isNaN(v)) this.bad = true;
      return v;
    }
    if (isLetter(c)) return this.call(depth);
    const v = readNumber(t, this.i, this.end);
    if (Number.isNaN(v)) return this.fail();
    this.i = numberEnd;
    const u = unitToCm(t, this.i);
    if (u === null) return v;
    this.i = u.end;
    return v * u.cm;
  }

  /** `\value{name}`: a LaTeX counter (looked up as ' name', a key no macro name can be). */
  counter(): number {
    const t = this.t;
    while (this.i < this.end && t.charCodeAt(this.i) === 32) this.i++;
    if (t.charCodeAt(this.i) !== 123) return this.fail();
    const close = t.indexOf('}', this.i);
    if (close === -1 || close >= this.end || close - this.i > 64) return this.fail();
    const v = this.lookup(' ' + t.slice(this.i + 1, close).trim());
    this.i = close + 1;
    if (Number.isNaN(v)) this.bad = true;
    return v;
  }

  /** `int(x)`, `round(x)`, `floor(x)`, `ceil(x)`, `abs(x)`, `sqrt(x)`, `pow(a,b)`, `max(a,b)`, `min(a,b)`. */
  call(depth: number): number {
    const t = this.t;
    let j = this.i;
    while (j < this.end && isLetter(t.charCodeAt(j))) j++;
    const name = t.slice(this.i, j);
    this.i = j;
    this.blank();
    if (t.charCodeAt(this.i) !== 40) return this.fail();
    this.i++;
    const a = this.sum(depth + 1);
    let b = NaN;
    this.blank();
    if (t.charCodeAt(this.i) === 44) {
      this.i++;
      b = this.sum(depth + 1);
      this.blank();
    }
    if (t.charCodeAt(this.i) !== 41) return this.fail();
    this.i++;
    switch (name) {
      case 'int':
      case 'floor':
        return Math.floor(a);
      case 'round':
        return Math.round(a);
      case 'ceil':
        return Math.ceil(a);
      case 'abs':
        return Math.abs(a);
      case 'sqrt':
        return Math.sqrt(a);
      case 'pow':
        return Math.pow(a, b);
      case 'max':
        return Math.max(a, b);
      case 'min':
        return Math.min(a, b);
      default:
        return this.fail();
    }
  }
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 64;
}

// The cost reader: one pass over a code field that finds what multiplies TeX's work (loops and their ranges,
// plot samples, grids, decorations, L-systems, recursion, expansion that doubles) and sums, over top-level
// constructs, the products of nested factors. Every character is looked at a bounded number of times (the
// main pass, plus at most one look at a list, a condition or a statement), counted in `steps`.
import { Buffer } from 'node:buffer';
import {
  C_DECORATION,
  C_EXPANSION,
  C_GRID,
  C_LOOP,
  C_LSYSTEM,
  C_MARKINGS,
  C_MULTIDO,
  C_PATHS,
  C_PGFFOREACH,
  C_PLOT,
  C_RECURSION,
  C_WHILEDO,
  C_FOREACH,
  CS_FROM,
  CS_KIND,
  CS_LEN,
  CS_UNITS,
  csSlot,
  GRID_LINE_UNITS,
  PLOT_SAMPLE_UNITS,
  K_ADDPLOT,
  K_DEF,
  K_DOCCOMMAND,
  K_EDEF,
  K_FOREACH,
  K_INVOKE,
  K_LOOP,
  K_LSYSTEM,
  K_MULTIDO,
  K_NORMALISE,
  K_PATH,
  K_PGFFOREACH,
  K_REPEAT,
  K_SETCOUNTER,
  K_SETMACRO,
  K_WHILEDO,
} from './constructs.js';
import { countList, UNBOUNDED } from './lists.js';
import { evaluate, numberEnd, readNumber, unitToCm } from './numbers.js';
import { Scopes, type Scope, M_BRACE, M_DEF, M_REPEAT, M_STMT } from './scopes.js';
import {
  Settings,
  S_DECO_KIND,
  S_ORDER,
  S_SAMPLES,
  S_SAMPLES_Y,
  S_SCALE,
  S_SEGLEN,
  S_XSTEP,
  S_YSTEP,
} from './settings.js';

// The control-word table as this module's own constants (see constructs.ts: the compiler embeds those).
const KIND_AT = CS_KIND;
const NAME_FROM = CS_FROM;
const NAME_LEN = CS_LEN;
const NAME_UNITS = CS_UNITS;

export interface ReaderOptions {
  /** What an unknown loop bound (a macro nobody defined, an argument) counts: never 0. */
  readonly defaultBound: number;
}

// Character classes, by UTF-16 code unit as the main pass reads it from a Uint16Array (see unitsOf: in the
// platform's order). A letter's class is 32 plus its low five bits (what WORD_AT keys on), so one table read both
// finds a letter and names it.
const CL_BS = 1;
const CL_OPEN = 2;
const CL_CLOSE = 3;
const CL_PCT = 4;
const CL_SEMI = 5;
const CL_PAREN = 6;
const CL_CARET = 7;
const CL_LETTER = 32;
/** Buffer writes UTF-16 little-endian: on a big-endian platform unitsOf swaps the bytes to read units as they are. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const CLASS = new Uint8Array(65536);
function classify(c: number, k: number): void {
  CLASS[c] = k;
}
for (let c = 65; c <= 90; c++) classify(c, CL_LETTER | (c & 31));
for (let c = 97; c <= 122; c++) classify(c, CL_LETTER | (c & 31));
classify(64, CL_LETTER | (64 & 31));
classify(92, CL_BS);
classify(123, CL_OPEN);
classify(125, CL_CLOSE);
classify(37, CL_PCT);
classify(59, CL_SEMI);
classify(40, CL_PAREN);
classify(94, CL_CARET);

/**
 * Texts up to this many characters are copied into one array made once, a module constant: the compiler then
 * knows where its units are and the main pass reads one without checking the array first (an eighth of the
 * pass). A longer text (a normaliser's output, a large body) gets an array of its own, read by the same loop
 * through a parameter (nextEventIn).
 */
const SCRATCH_UNITS = 1 << 16;
const SCRATCH = new Uint16Array(SCRATCH_UNITS);
const SCRATCH_BYTES = Buffer.from(SCRATCH.buffer);
const NO_UNITS = new Uint16Array(0);

/**
 * The text's UTF-16 code units in a typed array (the first t.length entries): the main pass reads every
 * character, and a typed array read costs well under half a `charCodeAt` on this V8, the copy included (a
 * native one, 0.1 µs for 600 characters). Lone surrogates are copied as they are.
 */
function unitsOf(t: string): Uint16Array {
  if (t.length > SCRATCH_UNITS) {
    const units = new Uint16Array(t.length);
    const bytes = Buffer.from(units.buffer);
    bytes.write(t, 0, 'utf16le');
    if (!LITTLE_ENDIAN) bytes.swap16();
    return units;
  }
  SCRATCH_BYTES.write(t, 0, 'utf16le');
  if (!LITTLE_ENDIAN) SCRATCH_BYTES.subarray(0, 2 * t.length).swap16();
  return SCRATCH;
}

/** A letter or a digit: what a comment at a line's end may join to the next line. */
export function isWordChar(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 64;
}

/**
 * The words word() acts on (ids: their places here). A letter run is looked up by a hash of its first and last
 * letters' low five bits and its length in WORD_AT: a run whose hash no keyword has is passed over after one table
 * read (most words of a diagram: `thick`, `right`, `above`), and one that may be is compared to that keyword only.
 */
const KEYWORDS = [
  'l',
  'plot',
  'grid',
  'step',
  'file',
  'xstep',
  'ystep',
  'order',
  'table',
  'scale',
  'xscale',
  'yscale',
  'samples',
  'foreach',
  'segment',
  'decorate',
  'graphics',
  'decoration',
  'coordinates',
  'lindenmayer',
] as const;
const [W_L, W_PLOT, W_GRID, W_STEP, W_FILE, W_XSTEP, W_YSTEP, W_ORDER, W_TABLE, W_SCALE, W_XSCALE, W_YSCALE] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
] as const;
const [W_SAMPLES, W_FOREACH, W_SEGMENT, W_DECORATE, W_GRAPHICS, W_DECORATION, W_COORDINATES, W_LINDENMAYER] = [
  12, 13, 14, 15, 16, 17, 18, 19,
] as const;
/** The longest keyword: longer runs are never looked up. */
const MAX_WORD = 11;
/**
 * hash(first & 31, last & 31, length) -> keyword id + 1; 0: no keyword. 256 entries, four cache lines, rather
 * than one entry per triple (16 KB): the same speed in an in-process A/B (docs/cost.md), a sixty-fourth of the
 * memory. The multipliers keep the keywords apart (checked below) and send 5% of the PGF manual's other words
 * to a keyword's entry, where they are compared and passed over.
 */
const WORD_AT = new Uint8Array(256);
const wordKey = (first: number, last: number, length: number): number =>
  ((first & 31) * 9 + (last & 31) * 74 + length) & 255;
KEYWORDS.forEach((w, id) => {
  const key = wordKey(w.charCodeAt(0), w.charCodeAt(w.length - 1), w.length);
  if (WORD_AT[key] !== 0) throw new Error(`cost: keywords ${w} and ${KEYWORDS[WORD_AT[key]! - 1]} share a key`);
  WORD_AT[key] = id + 1;
});

/** The keywords' code units, one after another: KW_UNITS[KW_FROM[id] .. + KEYWORDS[id].length]. */
const KW_FROM = new Uint16Array(KEYWORDS.length);
const KW_UNITS: Uint16Array = (() => {
  const units = new Uint16Array(KEYWORDS.join('').length);
  let at = 0;
  KEYWORDS.forEach((w, id) => {
    KW_FROM[id] = at;
    for (let k = 0; k < w.length; k++) units[at++] = w.charCodeAt(k);
  });
  return units;
})();

/** Whether SCRATCH[from..to) holds `units[off..off+to-from)` (a name of `to - from` letters). */
function sameScratch(from: number, to: number, units: Uint16Array, off: number): boolean {
  for (let k = 0; k < to - from; k++) if (SCRATCH[from + k]! !== units[off + k]) return false;
  return true;
}

/** sameScratch for a text in its own array `u`. */
function sameIn(u: Uint16Array, from: number, to: number, units: Uint16Array, off: number): boolean {
  for (let k = 0; k < to - from; k++) if (u[from + k]! !== units[off + k]) return false;
  return true;
}

/** The class of the character nextEvent stopped at (the main pass acts on it without reading it again). */
let eventClass = 0;
/** Where the keyword candidate nextEvent stopped at ends, and which keyword it may be. */
let runEnd = 0;
let runWord = 0;
/**
 * At a backslash nextEvent stopped at: where the letters of its name end, its slot in the control-word table
 * (CS_KIND; -1: none, the name compared there), and whether it starts with a name of TRICKS (trickAt, compared
 * there).
 */
let nameEnd = 0;
let nameSlot = -1;
let nameTrick = false;

/**
 * The main pass's next event from `i` (or `n`) in a text held in SCRATCH: a character of a class other than 0
 * and letters, or a run of letters that may be a keyword (its end in runEnd). A small function of its own, so
 * the loop that passes over most characters is compiled apart from the handlers of the few it stops at.
 */
function nextEvent(i: number, n: number): number {
  while (i < n) {
    const k = CLASS[SCRATCH[i]!]!;
    if (k === 0) {
      i++;
    } else if (k < CL_LETTER) {
      eventClass = k;
      return i;
    } else {
      const j = lettersEnd(i + 1, n);
      const w = j - i <= MAX_WORD ? WORD_AT[wordKey(k, CLASS[SCRATCH[j - 1]!]!, j - i)]! : 0;
      if (w !== 0 && sameScratch(i, j, KW_UNITS, KW_FROM[w - 1]!)) {
        runEnd = j;
        runWord = w - 1;
        eventClass = k;
        return i;
      }
      i = j;
    }
  }
  return n;
}

/** The end of the run of letters in SCRATCH from `j`. */
function lettersEnd(j: number, n: number): number {
  while (j < n && CLASS[SCRATCH[j]!]! >= CL_LETTER) j++;
  return j;
}

/** nextEvent for a text longer than SCRATCH, in its own array `u` (the same loop; see SCRATCH for why two). */
function nextEventIn(u: Uint16Array, i: number, n: number): number {
  while (i < n) {
    const k = CLASS[u[i]!]!;
    if (k === 0) {
      i++;
    } else if (k < CL_LETTER) {
      eventClass = k;
      return i;
    } else {
      let j = i + 1;
      while (j < n && CLASS[u[j]!]! >= CL_LETTER) j++;
      const w = j - i <= MAX_WORD ? WORD_AT[wordKey(k, CLASS[u[j - 1]!]!, j - i)]! : 0;
      if (w !== 0 && sameIn(u, i, j, KW_UNITS, KW_FROM[w - 1]!)) {
        runEnd = j;
        runWord = w - 1;
        eventClass = k;
        return i;
      }
      i = j;
    }
  }
  return n;
}

/**
 * The control sequence whose backslash is at `i` in SCRATCH: where the letters of its name end, its slot in the
 * control-word table, whether it starts with a name of TRICKS (nameEnd, nameSlot, nameTrick). Read here, where
 * the units are at hand, apart from nextEvent's loop (which runs faster the less it holds).
 */
function nameAt(i: number, n: number): void {
  let j = i + 1;
  let h = 0;
  while (j < n) {
    const c = SCRATCH[j]!;
    if (CLASS[c]! < CL_LETTER) break;
    h = (Math.imul(h, 31) + c) | 0;
    j++;
  }
  nameEnd = j;
  if (j === i + 1) {
    nameSlot = -1;
    nameTrick = false;
    return;
  }
  // a word of the table when its name is that word's (compared here, with the table as constants)
  let slot = csSlot(h);
  if (slot !== -1) {
    const len = j - i - 1;
    if (len !== NAME_LEN[slot]) slot = -1;
    else {
      const from = NAME_FROM[slot]!;
      for (let k = 0; k < len; k++)
        if (SCRATCH[i + 1 + k]! !== NAME_UNITS[from + k]) {
          slot = -1;
          break;
        }
    }
  }
  nameSlot = slot;
  nameTrick = TRICK_LEN[SCRATCH[i + 1]!] !== 0 && trickIn(SCRATCH, i + 1, j - i - 1);
}

/** nameAt for a text in its own array `u`. */
function nameAtIn(u: Uint16Array, i: number, n: number): void {
  let j = i + 1;
  let h = 0;
  while (j < n) {
    const c = u[j]!;
    if (CLASS[c]! < CL_LETTER) break;
    h = (Math.imul(h, 31) + c) | 0;
    j++;
  }
  nameEnd = j;
  if (j === i + 1) {
    nameSlot = -1;
    nameTrick = false;
    return;
  }
  const slot = csSlot(h);
  nameSlot =
    slot !== -1 && j - i - 1 === NAME_LEN[slot] && sameIn(u, i + 1, j, NAME_UNITS, NAME_FROM[slot]!) ? slot : -1;
  nameTrick = TRICK_LEN[u[i + 1]!] !== 0 && trickIn(u, i + 1, j - i - 1);
}

/** Where scratchNumber's number ended (as numbers.ts numberEnd for readNumber). */
let scratchEnd = 0;

/**
 * readNumber (numbers.ts) of SCRATCH[at..end), `end` at most the text's length: the same steps on the same
 * characters, so the same value and end (scratchEnd), without a `charCodeAt` per character (each one looks at
 * the string's representation first, a typed array read does not). Coordinates and key values are read so.
 */
function scratchNumber(at: number, end: number): number {
  let i = at;
  let neg = false;
  if (i < end) {
    const c = SCRATCH[i]!;
    if (c === 45 || c === 43) {
      neg = c === 45;
      i++;
    }
  }
  let v = 0;
  let digits = 0;
  while (i < end) {
    const c = SCRATCH[i]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && SCRATCH[i]! === 46) {
    i++;
    let scale = 0.1;
    while (i < end) {
      const c = SCRATCH[i]!;
      if (c < 48 || c > 57) break;
      v += (c - 48) * scale;
      scale /= 10;
      digits++;
      i++;
    }
  }
  if (digits === 0) {
    scratchEnd = at;
    return NaN;
  }
  if (i < end && (SCRATCH[i]! | 32) === 101) {
    // an exponent only when digits follow; a sign at `end` or after (readNumber looks) is followed by none here
    let j = i + 1;
    let eneg = false;
    if (j < end) {
      const c = SCRATCH[j]!;
      if (c === 45 || c === 43) {
        eneg = c === 45;
        j++;
      }
    }
    let e = 0;
    let ed = 0;
    while (j < end && ed < 4) {
      const c = SCRATCH[j]!;
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
  scratchEnd = i;
  return neg ? -v : v;
}

/** What scratchPair read. */
let pairX = 0;
let pairY = 0;

/**
 * `x,y)` or `x,y,` from `at` in SCRATCH (`end` at most the text's length), blanks allowed around each: two numbers
 * as scratchNumber reads them, each followed by no unit (a letter) and no macro, into pairX and pairY; false
 * for anything else, which CostReader.coordinate then reads its general way (the same answer for these).
 */
function scratchPair(at: number, end: number): boolean {
  const x = scratchNumber(scratchBlank(at, end), end);
  if (x !== x) return false;
  let i = scratchBlank(scratchEnd, end);
  if (i >= end || SCRATCH[i]! !== 44) return false;
  const y = scratchNumber(scratchBlank(i + 1, end), end);
  if (y !== y) return false;
  i = scratchBlank(scratchEnd, end);
  if (i >= end || (SCRATCH[i]! !== 41 && SCRATCH[i]! !== 44)) return false;
  pairX = x;
  pairY = y;
  return true;
}

/** Past the blanks (code units up to 32) from `i` in SCRATCH, up to `end` (at most the text's length). */
function scratchBlank(i: number, end: number): number {
  while (i < end && SCRATCH[i]! <= 32) i++;
  return i;
}

/** A defined macro that costs something when used. */
interface MacroCost {
  readonly inner: number;
  readonly construct: number;
  readonly expLog: number;
  readonly selfCalls: number;
  readonly hasIf: boolean;
}

/**
 * What can make a `%` text rather than a comment (category code changes, verbatim-like reading, re-reading): a
 * backslash followed by one of these names (as a prefix: `\\verbatim`, `\\urldef` count), keyed by first letter.
 */
const TRICKS: readonly string[] = (() => {
  const a = new Array<string>(128).fill('');
  for (const w of ['catcode', 'verb', 'url', 'href', 'makeother', '@makeother', 'scantokens', 'everyeof', 'detokenize'])
    a[w.charCodeAt(0)] = w;
  return a;
})();

/**
 * TRICKS as code units, for nameAt to compare a control word's name with in its array: the name of TRICKS that
 * starts with the unit `c` is TRICK_UNITS[TRICK_FROM[c] ..], TRICK_LEN[c] units long (0: none starts so).
 */
const TRICK_LEN = new Uint8Array(65536);
const TRICK_FROM = new Uint16Array(128);
const TRICK_UNITS: Uint16Array = (() => {
  const units = new Uint16Array(TRICKS.join('').length);
  let at = 0;
  TRICKS.forEach((w, c) => {
    TRICK_FROM[c] = at;
    TRICK_LEN[c] = w.length;
    for (let k = 0; k < w.length; k++) units[at++] = w.charCodeAt(k);
  });
  return units;
})();

/**
 * Whether the name of `len` letters at `from` in `u` starts with a name of TRICKS: trickAt's answer for its
 * backslash (a name of TRICKS is all letters, so one longer than the name is not there).
 */
function trickIn(u: Uint16Array, from: number, len: number): boolean {
  const c = u[from]!;
  const w = TRICK_LEN[c]!;
  if (w === 0 || w > len) return false;
  const off = TRICK_FROM[c]!;
  for (let k = 1; k < w; k++) if (u[from + k] !== TRICK_UNITS[off + k]) return false;
  return true;
}

/** Whether the backslash at `p` is followed by a name of TRICKS (compared here: most differ at once). */
function trickAt(t: string, p: number): boolean {
  const c = t.charCodeAt(p + 1);
  if (!(c < 128)) return false;
  const w = TRICKS[c]!;
  if (w === '') return false;
  for (let k = 1; k < w.length; k++) if (t.charCodeAt(p + 1 + k) !== w.charCodeAt(k)) return false;
  return true;
}

/** A backslash followed by a name of TRICKS from `from` on (found natively: linear, one pass). */
function tricksFrom(t: string, from: number): boolean {
  for (let i = t.indexOf('\\', from); i !== -1; i = t.indexOf('\\', i + 1)) if (trickAt(t, i)) return true;
  return false;
}

/**
 * Whether the text holds anything that can make a `%` other than a comment: `verbatim` anywhere, or a backslash
 * followed by a name of TRICKS. The same answer, for every text, as the regular expression the reader used,
 * /\\(?:catcode|verb|url|href|makeother|@makeother|scantokens|everyeof|detokenize)|verbatim/ (held to it by
 * test/unit/cost/reader-reuse.test.ts). The reader itself asks it of the text from its first `%` on only: the
 * backslashes before it, it has looked at as it read (CostReader.trickSeen).
 */
export function percentTricks(t: string): boolean {
  return t.includes('verbatim') || tricksFrom(t, 0);
}

/** Default L-system growth per order when the system is not declared in the text (a Koch rule's 4). */
const DEFAULT_GROWTH = 4;
/** Extent of a grid whose corners are not numbers (cm). */
const DEFAULT_EXTENT = 10;

export class CostReader {
  steps = 0;
  /**
   * A spelling only the normaliser resolves was seen (`\let`, `\csname`, `^^` anywhere, a comment or a list too):
   * read the normalised text.
   */
  needsNormalising = false;
  /** Per-construct totals of top-level contributions. */
  readonly totals: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  private depth = 0;
  private readonly scopes = new Scopes();
  private readonly settings = new Settings();
  private values: Map<string, number> | null = null;
  private lists: Map<string, readonly [number, number]> | null = null;
  private macros: Map<string, MacroCost> | null = null;
  private lsystemGrowth = 0;
  private topExpLog = 0;
  // the statement being read (up to the next `;`)
  private stmt = 0;
  private stmtStart = 0;
  private pathCmd = false;
  private plotDims = 0;
  private plotData = false;
  private samplesAt = NaN;
  private lastParen = -1;
  private gridAwait = false;
  private gridX = NaN;
  private gridY = NaN;
  private gridDx = 0;
  private gridDy = 0;
  private grids = 0;
  private decoLevels = 0;
  private markStep = NaN;
  /** Whether the text holds something that can make `%` other than a comment (computed at its first `%`). */
  private percentTricks: boolean | undefined = undefined;
  /**
   * A backslash followed by a name of TRICKS was met before the main pass's position: at a control sequence it
   * read, or in what a handler read past (a key's value, a loop's list; skipped). Set from the start when the
   * text is the normaliser's output, where `%` is never a comment and nothing needs looking for.
   */
  private trickSeen = false;
  /** The end of the name of the control sequence read last. */
  private csEnd = 0;
  /**
   * Where the text's first `%` is (-1: none), escaped or not, as `indexOf('%')` says, in a text read as it is
   * (not normalised): the main pass, the names it reads and the stretches handlers read past (skipped) cover every
   * character up to it (estimate.ts reads it).
   */
  firstPercent = -1;
  /** The text's code units (unitsOf), as the main pass reads them. */
  private u: Uint16Array = NO_UNITS;
  /** The text is in an array of its own, not SCRATCH (longer than SCRATCH_UNITS). */
  private own = false;
  /** Where number() read to. */
  private numEnd = 0;
  /** The largest scale set outside a path (a picture's or a scope's options, \tikzset): what paths start from. */
  private outerScale = 1;
  private markUnit = false;
  private lsystems = 0;

  /**
   * `normalised`: `t` is the TeX normaliser's output, which has dropped every real comment: a `%` left in it is
   * text (shown by `\\verb`, or made an ordinary character), not the start of a comment.
   */
  constructor(
    private t: string,
    private o: ReaderOptions,
    private normalised = false,
  ) {
    this.trickSeen = normalised;
  }

  /**
   * Readies the reader for another text, every field as a new reader has it (test/unit/cost/reader-reuse.test.ts
   * holds it to that): estimation is synchronous, so one reader serves every call and a request's estimate
   * allocates no reader, settings or scopes.
   */
  reset(t: string, o: ReaderOptions, normalised = false): this {
    this.t = t;
    this.o = o;
    this.normalised = normalised;
    this.steps = 0;
    this.needsNormalising = false;
    for (let k = 0; k < this.totals.length; k++) this.totals[k] = 0;
    this.depth = 0;
    this.scopes.reset();
    this.settings.reset();
    this.values = null;
    this.lists = null;
    this.macros = null;
    this.lsystemGrowth = 0;
    this.topExpLog = 0;
    this.stmt = 0;
    this.stmtStart = 0;
    this.clearStatement();
    this.lastParen = -1;
    this.gridX = NaN;
    this.gridY = NaN;
    this.percentTricks = undefined;
    this.trickSeen = normalised;
    this.csEnd = 0;
    this.firstPercent = -1;
    this.u = NO_UNITS;
    this.own = false;
    this.numEnd = 0;
    this.outerScale = 1;
    this.markUnit = false;
    this.cx = 0;
    this.cy = 0;
    this.dimEnd = 0;
    this.opEnd = 0;
    this.valueEnd = 0;
    return this;
  }

  /** Lets go of the text and what was read from it (the reader outlives the call). */
  release(): void {
    this.t = '';
    this.values = null;
    this.lists = null;
    this.macros = null;
    this.scopes.reset();
  }

  readonly lookup = (name: string): number => this.values?.get(name) ?? NaN;

  run(): this {
    const t = this.t;
    const n = t.length;
    const u = unitsOf(t);
    this.u = u;
    this.own = u !== SCRATCH;
    let i = 0;
    // The main pass looks at each character once (counted as n at the end); a look elsewhere counts its own.
    // Positions handlers return are integers: `| 0` says so, else the compiler keeps `i` as a double and the
    // whole loop in floating point (a sixth of the estimate's time).
    const own = this.own;
    while ((i = own ? nextEventIn(u, i, n) : nextEvent(i, n)) < n) {
      const k = eventClass;
      if (k >= CL_LETTER) {
        const e = runEnd;
        i = this.word(i, e, runWord) | 0;
        if (i > e) this.skipped(e, i);
      } else if (k === CL_BS) {
        const at = i;
        if (own) nameAtIn(u, i, n);
        else nameAt(i, n);
        const trick = nameTrick;
        i = this.controlSequence(at, nameEnd, nameSlot) | 0;
        if (trick) this.trickSeen = true;
        if (i > this.csEnd) this.skipped(this.csEnd, i);
      } else {
        if (k === CL_OPEN) this.depth++;
        else if (k === CL_CLOSE) this.closeGroup(i);
        else if (k === CL_SEMI) this.statementEnd(i);
        else if (k === CL_PAREN) this.paren(i);
        else if (k === CL_PCT && !this.normalised) {
          if (this.firstPercent === -1) this.notePercent(i);
          // a `%` may be no comment at all where the text changes category codes or reads verbatim (a comment
          // that joins two halves of a word or number, `sam%⏎ples`, estimate.ts finds anywhere in the text)
          // (the regular expression this replaces looked at the whole text: the part before this `%` was looked
          // at as it was read, trickSeen; `verbatim` is looked for anywhere, as it was)
          if ((this.percentTricks ??= this.trickSeen || t.includes('verbatim') || tricksFrom(t, i)))
            this.needsNormalising = true;
          const e = t.indexOf('\n', i);
          i = e === -1 ? n : e;
          continue;
        } else if (t.charCodeAt(i + 1) === 94) this.needsNormalising = true;
        i++;
      }
    }
    this.steps += n;
    this.statementEnd(n);
    while (this.scopes.top !== null) this.pop();
    if (this.topExpLog > 0) this.totals[C_EXPANSION]! += Math.min(UNBOUNDED, Math.pow(2, this.topExpLog));
    return this;
  }

  // ---- contributions ----------------------------------------------------------------------------------

  private leaf(value: number, construct: number): void {
    const v = Math.min(UNBOUNDED, value);
    const s = this.scopes.top;
    if (s === null) {
      this.totals[construct]! += v;
      return;
    }
    s.inner = Math.min(UNBOUNDED, s.inner + v);
    if (v > s.best) {
      s.best = v;
      s.bestConstruct = construct;
    }
  }

  private addExpLog(x: number): void {
    const s = this.scopes.top;
    if (s === null) this.topExpLog = Math.min(1e6, this.topExpLog + x);
    else s.expLog = Math.min(1e6, s.expLog + x);
  }

  private pop(): void {
    const s = this.scopes.pop();
    if (s.mode === M_DEF) return this.endDef(s);
    const count = Number.isNaN(s.count) ? UNBOUNDED : Math.max(1, s.count);
    const per = Math.max(1, s.inner);
    this.leaf(count * per, count >= s.best ? s.construct : s.bestConstruct);
    if (s.expLog > 0) this.addExpLog(s.expLog * count);
    if (s.chain && this.scopes.top !== null && this.scopes.top.mode === M_STMT) this.pop();
  }

  private closeGroup(at: number): void {
    this.depth--;
    for (let s = this.scopes.top; s !== null && s.depth > this.depth; s = this.scopes.top) {
      if (s.mode === M_DEF) s.bodyEnd = at;
      this.pop();
    }
  }

  // ---- statements ---------------------------------------------------------------------------------------

  private statementEnd(at: number): void {
    // most statements plot, grid, decorate nothing: their end costs a few field reads (and small enough a
    // function to be compiled into the main loop)
    if (this.plotDims > 0 || this.grids > 0 || this.decoLevels > 0 || this.lsystems > 0 || !Number.isNaN(this.markStep))
      this.statementCosts(at);
    if (at < this.t.length) {
      // leaf(1, C_PATHS), the top-level case written out: nearly every statement is one
      if (this.scopes.top === null) this.totals[C_PATHS]! += 1;
      else this.leaf(1, C_PATHS);
    }
    if (this.pathCmd) this.settings.restore(this.stmt);
    this.stmt++;
    this.stmtStart = at + 1;
    this.clearStatement();
    for (let s = this.scopes.top; s !== null && s.mode === M_STMT && s.depth >= this.depth; s = this.scopes.top)
      this.pop();
  }

  /** What the statement ending at `at` plotted, gridded, decorated or grew (its keys still in force). */
  private statementCosts(at: number): void {
    const st = this.settings;
    if (this.plotDims > 0) {
      // plotted data (`coordinates`, `table`, a file) is in the text already: one unit; samples are computed
      let f = 1;
      if (!this.plotData) {
        const samples = st.get(S_SAMPLES);
        const y = st.get(S_SAMPLES_Y);
        f = !Number.isNaN(this.samplesAt)
          ? this.samplesAt
          : this.sized(samples) * (this.plotDims === 2 ? this.sized(Number.isNaN(y) ? samples : y) : 1);
        f *= PLOT_SAMPLE_UNITS;
      }
      this.leaf(f, C_PLOT);
    }
    if (this.grids > 0) {
      const xs = st.get(S_XSTEP);
      const ys = st.get(S_YSTEP);
      const lines =
        xs > 0 && ys > 0 ? this.gridDx / xs + this.gridDy / ys + 2 * this.grids : this.o.defaultBound * this.grids;
      this.leaf(lines * GRID_LINE_UNITS, C_GRID);
    }
    if (this.decoLevels > 0 || !Number.isNaN(this.markStep)) this.decorations(at);
    if (this.lsystems > 0) {
      const g = this.lsystemGrowth > 0 ? this.lsystemGrowth : DEFAULT_GROWTH;
      const order = st.get(S_ORDER);
      this.leaf(
        this.lsystems * Math.pow(g, Number.isNaN(order) ? this.o.defaultBound : Math.min(order, 64)),
        C_LSYSTEM,
      );
    }
  }

  /** What a statement collects, as it is before its first word (at a text's start and after each `;`). */
  private clearStatement(): void {
    this.pathCmd = false;
    this.plotDims = 0;
    this.plotData = false;
    this.samplesAt = NaN;
    this.gridAwait = false;
    this.grids = 0;
    this.gridDx = 0;
    this.gridDy = 0;
    this.decoLevels = 0;
    this.markStep = NaN;
    this.lsystems = 0;
  }

  /** Keys set after a path command (`\draw[...]`) last to the path's end; others for the rest of the text. */
  private local(): number {
    return this.pathCmd ? this.stmt : -1;
  }

  /** A count that may be unknown (NaN: the configured default) or silly (below 1: 1). */
  private sized(v: number): number {
    return Number.isNaN(v) ? this.o.defaultBound : Math.max(1, v);
  }

  /** Decorations of the statement ending at `at`: segments per level, to the power of the nesting levels. */
  private decorations(at: number): void {
    const st = this.settings;
    const length = this.pathLength(this.stmtStart, at) * st.get(S_SCALE);
    if (this.decoLevels > 0) {
      const kind = st.get(S_DECO_KIND);
      const seg = st.get(S_SEGLEN);
      const per = kind > 0 ? kind : Number.isNaN(seg) || seg <= 0 ? this.o.defaultBound : Math.max(1, length / seg);
      this.leaf(Math.pow(per, Math.min(this.decoLevels, 64)), C_DECORATION);
    }
    if (!Number.isNaN(this.markStep)) {
      const s = this.markStep;
      this.leaf(s <= 0 ? this.o.defaultBound : Math.max(1, (this.markUnit ? length : 1) / s), C_MARKINGS);
    }
  }

  /** The length of the polyline through a statement's coordinates, in cm (at least 1). */
  private pathLength(from: number, to: number): number {
    const t = this.t;
    let len = 0;
    let px = NaN;
    let py = NaN;
    for (let i = t.indexOf('(', from); i !== -1 && i < to; i = t.indexOf('(', i + 1)) {
      if (!this.coordinate(i)) continue;
      if (!Number.isNaN(px)) len += Math.hypot(this.cx - px, this.cy - py);
      px = this.cx;
      py = this.cy;
    }
    this.steps += to - from;
    return Math.max(1, len);
  }

  private cx = 0;
  private cy = 0;

  /** Reads `(x,y)` or `(angle:radius)` at `at` into cx, cy (cm); false when it is not a numeric coordinate. */
  private coordinate(at: number): boolean {
    const t = this.t;
    const end = Math.min(t.length, at + 64);
    // `(x,y)` of two plain numbers (the common case), read from SCRATCH in one go: the steps below, without the
    // calls that dimension() and number() make for each number (they cost a grid 0.18 µs, this 0.10)
    if (!this.own && scratchPair(at + 1, end)) {
      this.cx = pairX;
      this.cy = pairY;
      return true;
    }
    let i = this.blank(at + 1, end);
    const a = this.dimension(i, end, 1);
    if (Number.isNaN(a)) return false;
    i = this.blank(this.dimEnd, end);
    const sep = this.code(i);
    if (sep !== 44 && sep !== 58) return false;
    const b = this.dimension(this.blank(i + 1, end), end, 1);
    if (Number.isNaN(b)) return false;
    i = this.blank(this.dimEnd, end);
    const close = this.code(i);
    if (close !== 41 && close !== 44) return false;
    if (sep === 44) {
      this.cx = a;
      this.cy = b;
    } else {
      this.cx = b * Math.cos((a * Math.PI) / 180);
      this.cy = b * Math.sin((a * Math.PI) / 180);
    }
    return true;
  }

  private dimEnd = 0;

  /** A number with an optional unit, in cm (`bare`: cm per unit-less number), or a macro's value. */
  private dimension(at: number, end: number, bare: number): number {
    const t = this.t;
    if (this.code(at) === 92) {
      let j = at + 1;
      while (j < end && isLetter(t.charCodeAt(j))) j++;
      this.dimEnd = j;
      return this.lookup(t.slice(at + 1, j)) * bare;
    }
    const v = this.number(at, end);
    if (Number.isNaN(v)) return v;
    // a unit starts with a letter (unitToCm finds none after anything else: most numbers end at `,` `)` `:`)
    const u = isAsciiLetter(this.code(this.numEnd)) ? unitToCm(t, this.numEnd) : null;
    this.dimEnd = u === null ? this.numEnd : u.end;
    return v * (u === null ? bare : u.cm);
  }

  private blank(i: number, end: number): number {
    const t = this.t;
    if (this.own) {
      while (i < end && t.charCodeAt(i) <= 32) i++;
      return i;
    }
    // SCRATCH past the text holds what an earlier text left: read up to the text's end at most
    return scratchBlank(i, end < t.length ? end : t.length);
  }

  /**
   * The code unit at `i`, -1 outside the text (`charCodeAt`'s NaN: equal to no character), from SCRATCH when the
   * text is there: for comparing with a character only.
   */
  private code(i: number): number {
    const t = this.t;
    if (this.own) {
      const c = t.charCodeAt(i);
      return c === c ? c : -1;
    }
    return i >= 0 && i < t.length ? SCRATCH[i]! : -1;
  }

  /** readNumber of the text (its end in numEnd): from SCRATCH when the text is there. */
  private number(at: number, end: number): number {
    if (this.own) {
      const v = readNumber(this.t, at, end);
      this.numEnd = numberEnd;
      return v;
    }
    const v = scratchNumber(at, end < this.t.length ? end : this.t.length);
    this.numEnd = scratchEnd;
    return v;
  }

  private paren(at: number): void {
    this.lastParen = at;
    if (this.gridAwait) this.gridCorner(at);
  }

  /** The `(` at `at`, after a `grid`: its far corner (a function apart, so paren stays small enough to inline). */
  private gridCorner(at: number): void {
    this.gridAwait = false;
    const ok = this.coordinate(at) && !Number.isNaN(this.gridX);
    this.gridDx += ok ? Math.abs(this.cx - this.gridX) : DEFAULT_EXTENT;
    this.gridDy += ok ? Math.abs(this.cy - this.gridY) : DEFAULT_EXTENT;
  }

  // ---- words (keys and path operations) ---------------------------------------------------------------

  /** The letter run `at..j`, the keyword `w` (nextEvent compared them): what it does (a key: read its value). */
  private word(at: number, j: number, w: number): number {
    const t = this.t;
    switch (w) {
      case W_L:
        return t.startsWith('-system', j) ? this.lsystemWord(j + 7) : j;
      case W_PLOT:
        this.plotDims = Math.max(this.plotDims, 1);
        return j;
      case W_GRID:
        this.gridStart();
        return j;
      case W_STEP:
        return this.stepKey(j, S_XSTEP);
      case W_FILE:
      case W_TABLE:
      case W_GRAPHICS:
      case W_COORDINATES:
        this.plotData = true;
        return j;
      case W_XSTEP:
        return this.key(j, S_XSTEP, 1);
      case W_YSTEP:
        return this.key(j, S_YSTEP, 1);
      case W_ORDER:
        return this.key(j, S_ORDER, 1);
      case W_SCALE:
      case W_XSCALE:
      case W_YSCALE:
        return this.scaleKey(j);
      case W_SAMPLES:
        return this.samplesKey(j);
      case W_FOREACH:
        return this.foreach(at, j, C_FOREACH);
      case W_SEGMENT:
        return t.startsWith(' length', j) ? this.key(j + 7, S_SEGLEN, 2.54 / 72.27) : j;
      case W_DECORATE:
        this.decoLevels++;
        return j;
      case W_DECORATION:
        return this.decorationKey(j);
      case W_LINDENMAYER:
        return t.startsWith(' system', j) ? this.lsystemWord(j + 7) : j;
      default:
        return j;
    }
  }

  /** `key = value` at `at` (after the key's name): sets the setting when `=` follows. */
  private key(at: number, setting: number, bare: number): number {
    const t = this.t;
    const i = this.blank(at, Math.min(t.length, at + 8));
    if (this.code(i) !== 61) return at;
    const v = this.value(i + 1, bare);
    this.settings.set(setting, v, this.local());
    return this.valueEnd;
  }

  /**
   * `scale`, `xscale`, `yscale`: a path's own multiplies the scale in force around it (a picture's, a scope's);
   * one set elsewhere replaces it when larger (nested scopes would multiply: the reader does not follow them,
   * and sequential ones must not). Only its size matters (a mirror, -1, scales by 1); 0 or unreadable: 1.
   */
  private scaleKey(at: number): number {
    const t = this.t;
    const i = this.blank(at, Math.min(t.length, at + 8));
    if (this.code(i) !== 61) return at;
    const raw = this.value(i + 1, 1);
    const end = this.valueEnd;
    const v = Number.isFinite(raw) && raw !== 0 ? Math.abs(raw) : 1;
    const st = this.settings;
    if (this.pathCmd) st.set(S_SCALE, Math.max(st.get(S_SCALE), this.outerScale * v), this.stmt);
    else if (v > this.outerScale) {
      this.outerScale = v;
      st.set(S_SCALE, v, -1);
    }
    return end;
  }

  /** Where the value value() read ends (a field, not a returned pair: no allocation per key). */
  private valueEnd = 0;

  /** A key's value: up to `,` `]` `}` `;` or a line end (a braced value: its group), evaluated; its end in valueEnd. */
  private value(at: number, bare: number): number {
    const t = this.t;
    const limit = Math.min(t.length, at + 256);
    let i = this.blank(at, limit);
    let from = i;
    let to: number;
    if (this.code(i) === 123) {
      to = this.matching(i);
      from = i + 1;
      i = to + 1;
    } else if (this.own) {
      while (i < limit) {
        const c = t.charCodeAt(i);
        if (c === 44 || c === 93 || c === 125 || c === 59 || c === 10) break;
        i++;
      }
      to = i;
    } else {
      while (i < limit) {
        const c = SCRATCH[i]!;
        if (c === 44 || c === 93 || c === 125 || c === 59 || c === 10) break;
        i++;
      }
      to = i;
    }
    this.steps += i - at;
    // a bare number in a dimension key is pt (segment length) or cm (steps): `bare` converts it
    this.valueEnd = i;
    const u = this.number(from, to);
    if (!Number.isNaN(u) && this.numEnd === to) return u * bare;
    return evaluate(t, from, to, this.lookup);
  }

  /** `samples = N`, `samples y = N`, `samples at = {list}`. */
  private samplesKey(at: number): number {
    const t = this.t;
    const i = this.blank(at, Math.min(t.length, at + 8));
    if (this.code(i) === 121 && !isLetter(t.charCodeAt(i + 1))) return this.key(i + 1, S_SAMPLES_Y, 1);
    if (t.startsWith('at', i) && !isLetter(t.charCodeAt(i + 2))) {
      const eq = this.blank(i + 2, Math.min(t.length, i + 10));
      if (t.charCodeAt(eq) !== 61) return i + 2;
      const open = this.blank(eq + 1, Math.min(t.length, eq + 10));
      if (t.charCodeAt(open) !== 123) return open;
      const close = this.matching(open);
      const l = countList(t, open + 1, close, this.lookup, this.o.defaultBound);
      this.steps += l.steps;
      this.samplesAt = l.count;
      this.plotDims = Math.max(this.plotDims, 0);
      return close + 1;
    }
    return this.key(at, S_SAMPLES, 1);
  }

  /** `step=...` (a grid's), or `step <number>` (markings: `between positions 0 and 1 step 0.01`). */
  private stepKey(at: number, setting: number): number {
    const t = this.t;
    const i = this.blank(at, Math.min(t.length, at + 8));
    if (this.code(i) === 61) {
      const end = this.key(at, setting, 1);
      this.settings.set(S_YSTEP, this.settings.get(setting), this.local());
      return end;
    }
    if (i === at) return at;
    const v = readNumber(t, i, Math.min(t.length, i + 32));
    if (Number.isNaN(v)) return at;
    const u = unitToCm(t, numberEnd);
    this.markStep = u === null ? v : v * u.cm;
    this.markUnit = u !== null;
    return u === null ? numberEnd : u.end;
  }

  private decorationKey(at: number): number {
    const t = this.t;
    let i = this.blank(at, Math.min(t.length, at + 8));
    if (t.charCodeAt(i) !== 61) return at;
    i = this.blank(i + 1, Math.min(t.length, i + 8));
    if (t.charCodeAt(i) === 123) i = this.blank(i + 1, Math.min(t.length, i + 8));
    const limit = Math.min(t.length, i + 64);
    let j = i;
    while (j < limit) {
      const c = t.charCodeAt(j);
      if (c === 44 || c === 93 || c === 125 || c === 59) break;
      j++;
    }
    this.steps += j - i;
    const name = t.slice(i, j).toLowerCase();
    // Koch curves and snowflakes make 4 segments of each, a Cantor set 2; others cut the path by length.
    const kind = name.includes('koch') ? 4 : name.includes('cantor') ? 2 : 0;
    this.settings.set(S_DECO_KIND, kind, this.local());
    return j;
  }

  /** `lindenmayer system` / `l-system`: a key (`=` follows: its options are read as they come) or the path op. */
  private lsystemWord(at: number): number {
    const t = this.t;
    const i = this.blank(at, Math.min(t.length, at + 8));
    if (this.code(i) !== 61) this.lsystems++;
    return at;
  }

  private gridStart(): void {
    const ok = this.lastParen >= this.stmtStart && this.coordinate(this.lastParen);
    this.gridX = ok ? this.cx : NaN;
    this.gridY = ok ? this.cy : NaN;
    this.grids++;
    this.gridAwait = true;
  }

  // ---- groups -----------------------------------------------------------------------------------------

  /** The index of the `}` matching the `{` at `open` (the text's end when none). */
  private matching(open: number): number {
    const t = this.t;
    const n = t.length;
    let d = 0;
    let i = open;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 123) d++;
      else if (c === 125 && --d === 0) break;
    }
    this.steps += i - open;
    return i;
  }

  /** After a loop's header: its body, a group (a scope to its `}`) or one statement (to the next `;`). */
  private body(at: number, construct: number, count: number, loopStart: number): number {
    const t = this.t;
    const i = this.blank(at, t.length);
    const parent = this.scopes.top;
    const chain = parent !== null && parent.mode === M_STMT && parent.bodyStart === loopStart;
    if (t.charCodeAt(i) === 123) {
      this.depth++;
      this.scopes.push(construct, count, this.depth, M_BRACE, chain, i + 1);
      return i + 1;
    }
    this.scopes.push(construct, count, this.depth, M_STMT, chain, i);
    return i;
  }

  /** `\foreach \x [options] in {list} body` (also `foreach` in a path, `\pgfplotsforeachungrouped`). */
  private foreach(start: number, at: number, construct: number): number {
    const t = this.t;
    const n = t.length;
    let i = at;
    let variable = '';
    // variables, slashes and options up to `in` (a bounded number of tokens)
    for (let tokens = 0; tokens < 64; tokens++) {
      i = this.blank(i, n);
      const c = t.charCodeAt(i);
      if (c === 92) {
        let j = i + 1;
        while (j < n && isLetter(t.charCodeAt(j))) j++;
        if (variable === '') variable = t.slice(i + 1, j);
        i = j === i + 1 ? j + 1 : j;
      } else if (c === 47) i++;
      else if (c === 91) {
        const close = t.indexOf(']', i);
        i = close === -1 ? n : close + 1;
      } else if (c === 105 && t.charCodeAt(i + 1) === 110 && !isLetter(t.charCodeAt(i + 2))) {
        i += 2;
        break;
      } else return i;
    }
    this.steps += i - at;
    i = this.blank(i, n);
    let count: number;
    let last = NaN;
    if (t.charCodeAt(i) === 123) {
      const close = this.matching(i);
      const l = countList(t, i + 1, close, this.lookup, this.o.defaultBound);
      this.steps += l.steps;
      count = l.count;
      last = l.last;
      i = close + 1;
    } else if (t.charCodeAt(i) === 92) {
      let j = i + 1;
      while (j < n && isLetter(t.charCodeAt(j))) j++;
      const range = this.lists?.get(t.slice(i + 1, j));
      if (range !== undefined) {
        const l = countList(t, range[0], range[1], this.lookup, this.o.defaultBound);
        count = l.count;
        last = l.last;
      } else count = this.o.defaultBound;
      i = j;
    } else count = this.o.defaultBound;
    // the loop variable holds the list's last value: an inner range that reads it (`1,...,\x`) is bounded
    if (variable !== '' && Number.isFinite(last)) (this.values ??= new Map()).set(variable, last);
    return this.body(i, construct, count, start);
  }

  /**
   * What a handler read past in `from..to` that the main pass would have noted: a backslash followed by a name of
   * TRICKS (trickSeen), carets (`^^`: needsNormalising), a `%` (notePercent).
   */
  private skipped(from: number, to: number): void {
    const u = this.u;
    const t = this.t;
    const end = Math.min(to, t.length);
    for (let p = from; p < end; p++) {
      const k = CLASS[u[p]!]!;
      if (k === 0 || k >= CL_LETTER) continue;
      if (k === CL_BS) {
        if (!this.trickSeen && trickAt(t, p)) this.trickSeen = true;
      } else if (k === CL_PCT) {
        if (this.firstPercent === -1 && !this.normalised) this.notePercent(p);
      } else if (k === CL_CARET && t.charCodeAt(p + 1) === 94) this.needsNormalising = true;
    }
  }

  /**
   * The text's first `%`, at `p`: carets from here on are looked for natively (comments, which the main pass
   * passes over, start here at the earliest), as the whole text's were before (`includes('^^')`).
   */
  private notePercent(p: number): void {
    this.firstPercent = p;
    if (!this.needsNormalising && this.t.includes('^^', p)) this.needsNormalising = true;
  }

  // ---- control sequences ------------------------------------------------------------------------------

  /**
   * The control sequence at `at`, its name's letters up to `j` and its slot in the control-word table (-1: not
   * one of them), as nextEvent read them.
   */
  private controlSequence(at: number, j: number, slot: number): number {
    const t = this.t;
    this.steps += j - at;
    this.csEnd = j;
    if (j === at + 1) {
      // a control symbol (`\\`, `\%`, `\{`); `\^^66oreach` is `\foreach` spelled with carets
      if (t.charCodeAt(j) === 94 && t.charCodeAt(j + 1) === 94) this.needsNormalising = true;
      return j + 1;
    }
    if (slot !== -1) return this.special(KIND_AT[slot]!, at, j);
    if (this.macros === null && this.scopes.defs === 0 && this.code(j) !== 61 && this.code(at + 1) !== 105) return j;
    return this.otherWord(at, j);
  }

  /**
   * A control word of no kind the table names that may still matter: a condition (`\if...`), a macro defined
   * here, an assignment (`\n=5`). Apart from controlSequence, so that one stays small enough to inline.
   */
  private otherWord(at: number, j: number): number {
    const t = this.t;
    if (t.charCodeAt(at + 1) === 105 && t.charCodeAt(at + 2) === 102) return this.condition(at, j);
    if (this.macros !== null || this.scopes.defs > 0) return this.maybeMacro(at, j);
    if (t.charCodeAt(j) === 61) return this.assignment(at, j);
    return j;
  }

  /** `\name=value`: a count register or dimension set (the bound of a `\loop` that reads it). */
  private assignment(at: number, j: number): number {
    const t = this.t;
    const end = Math.min(t.length, j + 32);
    const v = readNumber(t, this.blank(j + 1, end), end);
    if (!Number.isNaN(v)) {
      (this.values ??= new Map()).set(t.slice(at + 1, j), v);
      return numberEnd;
    }
    return j + 1;
  }

  private special(kind: number, at: number, j: number): number {
    const t = this.t;
    switch (kind) {
      case K_PATH:
        this.pathCmd = true;
        return j;
      case K_ADDPLOT: {
        this.pathCmd = true;
        let dims = 1;
        if (t.charCodeAt(j) === 51) {
          dims = 2;
          j++;
        }
        this.plotDims = Math.max(this.plotDims, dims);
        return j;
      }
      case K_FOREACH:
        return this.foreach(at, j, C_FOREACH);
      case K_PGFFOREACH:
        return this.foreach(at, j, C_PGFFOREACH);
      case K_INVOKE:
        return this.groupLoop(at, j, C_PGFFOREACH);
      case K_MULTIDO:
        return this.groupLoop(at, j, C_MULTIDO);
      case K_WHILEDO:
        return this.groupLoop(at, j, C_WHILEDO);
      case K_LOOP:
        this.scopes.push(C_LOOP, NaN, this.depth, M_REPEAT, false, j);
        return j;
      case K_REPEAT:
        if (this.scopes.repeats > 0) {
          while (this.scopes.top !== null && this.scopes.top.mode !== M_REPEAT) this.pop();
          this.pop();
        }
        return j;
      case K_DEF:
      case K_EDEF:
      case K_DOCCOMMAND:
        return this.definition(kind, at, j);
      case K_SETMACRO:
        return this.setMacro(j);
      case K_SETCOUNTER:
        return this.setCounter(j);
      case K_LSYSTEM:
        return this.declareLsystem(j);
      case K_NORMALISE:
        this.needsNormalising = true;
        return j;
    }
    return j;
  }

  /**
   * `\pgfplotsinvokeforeach{list}{body}`, `\multido{\i=0+1}{N}{body}`, `\whiledo{condition}{body}`: the count
   * from the first group(s), then the body.
   */
  private groupLoop(start: number, at: number, construct: number): number {
    const t = this.t;
    let i = this.blank(at, t.length);
    if (t.charCodeAt(i) !== 123) return i;
    let close = this.matching(i);
    let count: number;
    if (construct === C_PGFFOREACH) {
      const l = countList(t, i + 1, close, this.lookup, this.o.defaultBound);
      this.steps += l.steps;
      count = l.count;
    } else if (construct === C_MULTIDO) {
      i = this.blank(close + 1, t.length);
      if (t.charCodeAt(i) !== 123) return i;
      const open = i;
      close = this.matching(open);
      count = this.sized(evaluate(t, open + 1, close, this.lookup));
    } else count = this.bound(i + 1, close);
    return this.body(close + 1, construct, count, start);
  }

  /** A `\whiledo` condition's bound: the spread of the numbers and known values it compares. */
  private bound(from: number, to: number): number {
    const t = this.t;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to;) {
      const c = t.charCodeAt(i);
      let v = NaN;
      if (c === 92) {
        let j = i + 1;
        while (j < to && isLetter(t.charCodeAt(j))) j++;
        const name = t.slice(i + 1, j);
        if (name === 'value' || name === 'arabic') {
          const close = t.indexOf('}', j);
          if (close !== -1 && close < to) {
            v = this.lookup(' ' + t.slice(this.blank(j, to) + 1, close).trim());
            j = close + 1;
          }
        } else if (name.startsWith('the') && name.length > 3) v = this.lookup(' ' + name.slice(3));
        else v = this.lookup(name);
        i = j === i + 1 ? j + 1 : j;
      } else if ((c >= 48 && c <= 57) || c === 46) {
        v = readNumber(t, i, to);
        i = Math.max(numberEnd, i + 1);
      } else {
        i++;
        continue;
      }
      if (!Number.isNaN(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    this.steps += to - from;
    if (hi === -Infinity) return this.o.defaultBound;
    return Math.max(1, lo === hi ? Math.abs(hi) : hi - lo);
  }

  /** `\if...`: a macro body with a test may end its recursion; the first test in a `\loop` bounds it. */
  private condition(at: number, j: number): number {
    const t = this.t;
    const d = this.scopes.innermostDef;
    if (d !== null) d.hasIf = true;
    const s = this.scopes.top;
    if (s === null || s.mode !== M_REPEAT || !Number.isNaN(s.count)) return j;
    const name = t.slice(at + 1, j);
    if (name === 'iftrue') {
      s.count = UNBOUNDED;
      return j;
    }
    if (name !== 'ifnum' && name !== 'ifdim') {
      s.count = this.o.defaultBound;
      return j;
    }
    const end = Math.min(t.length, j + 64);
    const a = this.operand(this.blank(j, end), end);
    const rel = this.blank(this.opEnd, end);
    const r = t.charCodeAt(rel);
    if (r !== 60 && r !== 62 && r !== 61) {
      s.count = this.o.defaultBound;
      return j;
    }
    const b = this.operand(this.blank(rel + 1, end), end);
    const next = this.opEnd;
    s.count = Number.isNaN(a)
      ? Number.isNaN(b)
        ? this.o.defaultBound
        : Math.abs(b)
      : Number.isNaN(b)
        ? Math.abs(a)
        : Math.abs(b - a);
    s.count = Math.max(1, s.count);
    return next;
  }

  private opEnd = 0;

  /** One side of an `\ifnum` test: a number (with a unit), a register or macro, `\value{c}`. */
  private operand(at: number, end: number): number {
    const t = this.t;
    if (t.charCodeAt(at) === 92) {
      let j = at + 1;
      while (j < end && isLetter(t.charCodeAt(j))) j++;
      const name = t.slice(at + 1, j);
      this.opEnd = j;
      if (name === 'value') {
        const close = t.indexOf('}', j);
        if (close === -1 || close >= end) return NaN;
        this.opEnd = close + 1;
        return this.lookup(' ' + t.slice(this.blank(j, end) + 1, close).trim());
      }
      if (name === 'the' || name === 'number') return this.operand(this.blank(j, end), end);
      return this.lookup(name);
    }
    const v = this.dimension(at, end, 1);
    this.opEnd = Number.isNaN(v) ? at : this.dimEnd;
    return v;
  }

  // ---- definitions ------------------------------------------------------------------------------------

  /** The macro name after `\def`, `\newcommand{\x}`, `\NewDocumentCommand{\x}{spec}`; then its body's scope. */
  private definition(kind: number, at: number, j: number): number {
    const t = this.t;
    const n = t.length;
    let i = this.blank(j, n);
    if (t.charCodeAt(i) === 42) i = this.blank(i + 1, n);
    const braced = t.charCodeAt(i) === 123;
    if (braced) i = this.blank(i + 1, n);
    if (t.charCodeAt(i) !== 92) return i;
    let e = i + 1;
    while (e < n && isLetter(t.charCodeAt(e))) e++;
    if (e === i + 1) e++;
    const name = t.slice(i + 1, e);
    if (name === 'def' || name === 'edef' || name === 'gdef' || name === 'xdef') return i; // `\long\def`
    i = e;
    if (braced) {
      i = this.blank(i, n);
      if (t.charCodeAt(i) === 125) i++;
    }
    if (kind === K_DOCCOMMAND) {
      i = this.blank(i, n);
      if (t.charCodeAt(i) !== 123) return i;
      i = this.matching(i) + 1;
    }
    // parameters (`#1#2`, `[2][x]`, delimited ones) up to the body's brace, bounded
    const limit = Math.min(n, i + 64);
    while (i < limit && t.charCodeAt(i) !== 123 && t.charCodeAt(i) !== 92) i++;
    if (t.charCodeAt(i) !== 123) return i;
    this.steps += i - at;
    this.depth++;
    const s = this.scopes.push(C_RECURSION, 1, this.depth, M_DEF, false, i + 1);
    s.name = name;
    s.expanding = kind === K_EDEF;
    return i + 1;
  }

  /** The end of a definition's body: its value (a number), its list, and what it costs when used. */
  private endDef(s: Scope): void {
    const t = this.t;
    const name = s.name;
    const from = s.bodyStart;
    const to = s.bodyEnd < 0 ? t.length : s.bodyEnd;
    if (to - from <= 512) {
      (this.lists ??= new Map()).set(name, [from, to]);
      const v = evaluate(t, from, to, this.lookup);
      if (Number.isFinite(v)) (this.values ??= new Map()).set(name, v);
      else this.values?.delete(name);
    }
    if (s.expanding) {
      // `\edef\x{\x\x}` doubles \x now: growth that compounds with every enclosing repetition
      if (s.selfCalls >= 2) this.addExpLog(Math.log2(s.selfCalls));
      if (s.inner > 0) this.leaf(s.inner, s.bestConstruct);
      return;
    }
    if (s.inner > 0 || s.selfCalls > 0 || s.expLog > 0) {
      (this.macros ??= new Map()).set(name, {
        inner: s.inner,
        construct: s.bestConstruct,
        expLog: s.expLog,
        selfCalls: s.selfCalls,
        hasIf: s.hasIf,
      });
    } else this.macros?.delete(name);
  }

  /** A control word that may be a macro defined here (what it costs is charged where it is used). */
  private maybeMacro(at: number, j: number): number {
    const t = this.t;
    const name = t.slice(at + 1, j);
    const d = this.scopes.innermostDef;
    if (d !== null && d.name === name) {
      d.selfCalls++;
      return j;
    }
    const m = this.macros?.get(name);
    if (m === undefined) return t.charCodeAt(j) === 61 ? this.assignment(at, j) : j;
    if (m.selfCalls > 0) {
      // recursion: as deep as the first argument says when it is a number, else the configured default
      const end = Math.min(t.length, j + 32);
      let i = this.blank(j, end);
      if (t.charCodeAt(i) === 123) i = this.blank(i + 1, end);
      const arg = readNumber(t, i, end);
      const depth = Number.isNaN(arg) ? this.o.defaultBound : Math.max(1, Math.abs(arg));
      const cost = !m.hasIf
        ? UNBOUNDED
        : m.selfCalls >= 2
          ? Math.pow(m.selfCalls, Math.min(depth, 64))
          : depth * Math.max(1, m.inner);
      this.leaf(cost, C_RECURSION);
      return j;
    }
    if (m.inner > 0) this.leaf(m.inner, m.construct);
    if (m.expLog > 0) this.addExpLog(m.expLog);
    return j;
  }

  /** `\pgfmathsetmacro{\n}{expr}` / `\pgfmathsetmacro\n{expr}`: the macro's value. */
  private setMacro(j: number): number {
    const t = this.t;
    const n = t.length;
    let i = this.blank(j, n);
    const braced = t.charCodeAt(i) === 123;
    if (braced) i = this.blank(i + 1, n);
    if (t.charCodeAt(i) !== 92) return i;
    let e = i + 1;
    while (e < n && isLetter(t.charCodeAt(e))) e++;
    const name = t.slice(i + 1, e);
    i = braced ? this.blank(e, n) + 1 : e;
    i = this.blank(i, n);
    if (t.charCodeAt(i) !== 123) return i;
    const close = this.matching(i);
    const v = evaluate(t, i + 1, close, this.lookup);
    if (Number.isFinite(v)) (this.values ??= new Map()).set(name, v);
    else this.values?.delete(name);
    return close + 1;
  }

  /** `\setcounter{name}{N}`: the counter's value (looked up as ' name'). */
  private setCounter(j: number): number {
    const t = this.t;
    const open = this.blank(j, t.length);
    if (t.charCodeAt(open) !== 123) return open;
    const close = this.matching(open);
    const name = t.slice(open + 1, close).trim();
    const v0 = this.blank(close + 1, t.length);
    if (t.charCodeAt(v0) !== 123) return v0;
    const vclose = this.matching(v0);
    const v = evaluate(t, v0 + 1, vclose, this.lookup);
    if (Number.isFinite(v)) (this.values ??= new Map()).set(' ' + name, v);
    return vclose + 1;
  }

  /** `\pgfdeclarelsystem{name}{rules}`: growth per order = the most letters a `\rule` writes for one. */
  private declareLsystem(j: number): number {
    const t = this.t;
    const open = this.blank(j, t.length);
    if (t.charCodeAt(open) !== 123) return open;
    const close = this.matching(open);
    const r = this.blank(close + 1, t.length);
    if (t.charCodeAt(r) !== 123) return r;
    const end = this.matching(r);
    let growth = 1;
    let letters = 0;
    let inRhs = false;
    for (let i = r + 1; i < end; i++) {
      const c = t.charCodeAt(i);
      if (c === 45 && t.charCodeAt(i + 1) === 62) {
        inRhs = true;
        letters = 0;
        i++;
      } else if (c === 125 || c === 92) {
        if (inRhs) growth = Math.max(growth, letters);
        inRhs = false;
        if (c === 92) while (i + 1 < end && isLetter(t.charCodeAt(i + 1))) i++;
      } else if (inRhs && isLetter(c)) letters++;
    }
    this.lsystemGrowth = Math.max(this.lsystemGrowth, growth);
    return end + 1;
  }
}

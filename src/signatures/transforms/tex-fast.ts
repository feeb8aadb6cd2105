// The TeX normaliser's fast path: ordinary text (letters, digits, brackets, braces, single spaces, comments,
// control words nothing special applies to) scanned in one tight loop over local variables, with the same
// output as the general path (tex.ts), which takes over at anything else: special control words, control
// symbols, carets, NUL, and any state a definition, alias or case mapping has set up.
import { endianness } from 'node:os';
import { BACKSLASH, nameHash, PERCENT } from './tex-chars.js';
import { SPECIAL_HASHES } from './tex-names.js';
import { TexLookahead } from './tex-lookahead.js';

// Character classes of the fast path, by UTF-16 code unit (everything from 128 up is ordinary).
const ORD = 0;
const SPACE = 1; // ' '
const BLANK = 2; // other whitespace: tab, line feed, vertical tab, form feed (no alias is set), return
const OPEN_B = 3;
const CLOSE_B = 4;
const ESCAPE = 5; // '\'
const COMMENT = 6; // '%'
const STOP = 7; // NUL: handled by the general path

const CLASS = new Uint8Array(65536);
CLASS[32] = SPACE;
for (const c of [9, 10, 11, 12, 13]) CLASS[c] = BLANK;
CLASS[123] = OPEN_B;
CLASS[125] = CLOSE_B;
CLASS[BACKSLASH] = ESCAPE;
CLASS[PERCENT] = COMMENT;
CLASS[0] = STOP;

/** 1 for what a run copied in one piece may hold after a single space: ordinary characters and braces. */
const IN_RUN = new Uint8Array(8);
IN_RUN[ORD] = IN_RUN[OPEN_B] = IN_RUN[CLOSE_B] = 1;

/** Letters of control words (and @), by code unit. */
const LETTER = new Uint8Array(65536);
for (let c = 65; c <= 90; c++) LETTER[c] = LETTER[c + 32] = 1;
LETTER[64] = 1;

/**
 * The text as UTF-16 code units in a typed array: indexed reads from it cost about half of charCodeAt's.
 * One scratch array serves every call (the normaliser is synchronous and never re-entered); texts larger
 * than the scratch bound get an array of their own. Only indices below the text's length are ever read.
 */
const LITTLE_ENDIAN = endianness() === 'LE';
const SCRATCH_MAX_UNITS = 1 << 18;
let scratch = Buffer.alloc(0);

function codeUnits(t: string): Uint16Array {
  const n = t.length;
  if (!LITTLE_ENDIAN) {
    const units = new Uint16Array(n);
    for (let i = 0; i < n; i++) units[i] = t.charCodeAt(i);
    return units;
  }
  if (n > SCRATCH_MAX_UNITS) {
    const own = Buffer.from(t, 'utf16le');
    return new Uint16Array(own.buffer, own.byteOffset, n);
  }
  if (2 * n > scratch.length) scratch = Buffer.alloc(Math.max(2 * n, 16_384));
  scratch.write(t, 0, 'utf16le');
  return new Uint16Array(scratch.buffer, scratch.byteOffset, n);
}

/** The end of a run of ordinary characters and single spaces between them, from `j`. */
function runEnd(b: Uint16Array, j: number, n: number): number {
  while (j < n) {
    const k = CLASS[b[j]!]!;
    if (k === ORD) j++;
    else if (k === SPACE && j + 1 < n && IN_RUN[CLASS[b[j + 1]!]!] === 1) j++;
    else break;
  }
  return j;
}

const BEGIN_HASH = nameHash('begin');
const END_HASH = nameHash('end');

/**
 * After the control word `t[p..i)` with hash `h`: when it is `\begin` or `\end` followed at once by `{`,
 * letters, an optional `*` and `}`, and the name it runs (`name`, or `endname`) is not special, the index
 * after the `}`; otherwise -1 (the general path decides). Mirrors literalGroup + rebuilt + word.
 */
function beginEnd(t: string, b: Uint16Array, p: number, i: number, h: number): number {
  const isEnd = h === END_HASH && i - p === 4 && t.startsWith('end', p + 1);
  if (!isEnd && !(h === BEGIN_HASH && i - p === 6 && t.startsWith('begin', p + 1))) return -1;
  const n = b.length;
  if (i >= n || b[i] !== 123) return -1;
  let j = i + 1;
  let name = isEnd ? END_HASH : 0;
  while (j < n && LETTER[b[j]!] === 1) {
    name = (Math.imul(name, 31) + b[j]!) | 0;
    j++;
  }
  if (j === i + 1 || SPECIAL_HASHES.has(name)) return -1;
  if (j < n && b[j] === 42) j++;
  return j < n && b[j] === 125 ? j + 1 : -1;
}

export class TexFast extends TexLookahead {
  /** The text's code units, made on the first fast scan. */
  private units: Uint16Array | null = null;

  /** True when no definition, alias or case mapping is in force: the fast path's output is then exact. */
  protected pristine(): boolean {
    return (
      this.caseStack.length === 0 &&
      this.aliases.size === 0 &&
      this.defs.length === 0 &&
      this.pendingDef === null &&
      this.pendingCase === 0
    );
  }

  /**
   * Reads from `p` while the text is ordinary; stops (state written back) at the first character the
   * general path must handle, or at the end. Only called when `pristine()`; nothing read here changes that.
   * Each step mirrors the general path: TexNormaliser.run, controlSequence, TexWriter.flushSpace/copy/put.
   */
  protected fastScan(): void {
    const t = this.t;
    const b = (this.units ??= codeUnits(t));
    const n = b.length;
    const plainNames = this.marks === null;
    let p = this.p;
    let out = this.out;
    let spanFrom = this.spanFrom;
    let spanTo = this.spanTo;
    let emitted = this.emitted;
    let pendingSpace = this.pendingSpace;
    let spaceFrom = this.spaceFrom;
    let afterWord = this.afterWord;
    let rawNext = this.rawNext;
    let depth = this.depth;
    let steps = this.steps;
    while (p < n) {
      const c = b[p]!;
      const k = CLASS[c]!;
      if (k === ORD || k === OPEN_B || k === CLOSE_B) {
        // flushSpace(letter next).
        if (afterWord) {
          if (LETTER[c] === 1 && k === ORD) {
            spaceFrom = -1;
            if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
            spanFrom = spanTo;
            out += ' ';
            emitted = true;
          }
        } else if (pendingSpace && emitted) {
          if (spaceFrom >= 0) {
            if (spaceFrom !== spanTo || spanFrom === spanTo) {
              if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
              spanFrom = spaceFrom;
            }
            spanTo = spaceFrom + 1;
          } else {
            if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
            spanFrom = spanTo;
            out += ' ';
          }
        }
        pendingSpace = false;
        afterWord = false;
        rawNext = false;
        // The run: ordinary characters, braces (only counted: no definition or case group is open), and
        // single spaces between them (copied as they stand, as the general path would).
        if (k === OPEN_B) depth++;
        else if (k === CLOSE_B && depth > 0) depth--;
        let j = p + 1;
        for (;;) {
          j = runEnd(b, j, n);
          if (j >= n) break;
          const kk = CLASS[b[j]!]!;
          if (kk === OPEN_B) depth++;
          else if (kk === CLOSE_B) {
            if (depth > 0) depth--;
          } else break;
          j++;
        }
        steps += j - p + 1;
        // copy(p, j).
        if (p !== spanTo || spanFrom === spanTo) {
          if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
          spanFrom = p;
        }
        spanTo = j;
        emitted = true;
        p = j;
      } else if (k === SPACE || k === BLANK) {
        if (!pendingSpace) {
          pendingSpace = true;
          spaceFrom = k === SPACE ? p : -1;
        }
        p++;
        steps++;
      } else if (k === COMMENT) {
        // skipComment: the line, its end, and the next line's indentation.
        let i = p;
        while (i < n && b[i] !== 10 && b[i] !== 13) i++;
        if (i + 1 < n && b[i] === 13 && b[i + 1] === 10) i++;
        i++;
        while (i < n && (b[i] === 32 || b[i] === 9)) i++;
        steps += i - p + 1;
        p = i;
      } else if (k === ESCAPE && plainNames && !rawNext) {
        // A control word nothing special applies to is copied as written (see TexNormaliser.controlSequence).
        let i = p + 1;
        if (i >= n || LETTER[b[i]!] !== 1) break;
        let h = 0;
        do {
          h = (Math.imul(h, 31) + b[i]!) | 0;
          i++;
        } while (i < n && LETTER[b[i]!] === 1);
        if (SPECIAL_HASHES.has(h)) {
          // `\begin{name}` / `\end{name}` of a plain name nothing special applies to: `\name`, `\endname`.
          const end = beginEnd(t, b, p, i, h);
          if (end < 0) break;
          if (!afterWord && pendingSpace && emitted) {
            if (spaceFrom >= 0) {
              if (spaceFrom !== spanTo || spanFrom === spanTo) {
                if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
                spanFrom = spaceFrom;
              }
              spanTo = spaceFrom + 1;
            } else {
              if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
              spanFrom = spanTo;
              out += ' ';
            }
          }
          pendingSpace = false;
          if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
          spanFrom = spanTo;
          const star = b[end - 2] === 42;
          out += (i - p === 4 ? '\\end' : '\\') + t.slice(i + 1, star ? end - 2 : end - 1) + (star ? '*' : '');
          emitted = true;
          afterWord = true;
          steps += end - p + 1;
          p = end;
          continue;
        }
        steps += i - p + 1;
        // flushSpace(false), then copy(p, i).
        if (!afterWord && pendingSpace && emitted) {
          if (spaceFrom >= 0) {
            if (spaceFrom !== spanTo || spanFrom === spanTo) {
              if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
              spanFrom = spaceFrom;
            }
            spanTo = spaceFrom + 1;
          } else {
            if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
            spanFrom = spanTo;
            out += ' ';
          }
        }
        pendingSpace = false;
        if (p !== spanTo || spanFrom === spanTo) {
          if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
          spanFrom = p;
        }
        spanTo = i;
        emitted = true;
        afterWord = true;
        p = i;
      } else break;
    }
    this.p = p;
    this.out = out;
    this.spanFrom = spanFrom;
    this.spanTo = spanTo;
    this.emitted = emitted;
    this.pendingSpace = pendingSpace;
    this.spaceFrom = spaceFrom;
    this.afterWord = afterWord;
    this.rawNext = rawNext;
    this.depth = depth;
    this.steps = steps;
  }
}

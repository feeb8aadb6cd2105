// The TeX normaliser's fast path: ordinary text (letters, digits, brackets, braces, single spaces, comments,
// control words nothing special applies to, `\begin{name}`) read in one loop over local variables, a run of
// ordinary text copied in one piece, with the same output as the general path (tex.ts), which takes over at
// anything else: special control words, control symbols, carets, NUL, and any state a definition, alias or
// case mapping has set up. tex-fast.test.ts holds the two paths to the same output.
import { BACKSLASH, nameHash, PERCENT } from './tex-chars.js';
import { SPECIAL_HASHES } from './tex-names.js';
import { TexLookahead } from './tex-lookahead.js';

// Character classes of the fast path, by UTF-16 code unit (everything from 128 up is ordinary). Braces are
// ordinary here: the brace depth only matters relative to definitions and case groups opened later (every
// comparison with it is an equality with a depth recorded since, and it is clamped at 0 only when no such
// group is open), and none is open on the fast path, so it is left as it stands.
const ORD = 0;
const SPACE = 1; // ' '
const BLANK = 2; // other whitespace: tab, line feed, vertical tab, form feed (no alias is set), return
const ESCAPE = 3; // '\'
const COMMENT = 4; // '%'
const STOP = 5; // NUL: handled by the general path

const CLASS = new Uint8Array(65536);
CLASS[32] = SPACE;
for (const c of [9, 10, 11, 12, 13]) CLASS[c] = BLANK;
CLASS[BACKSLASH] = ESCAPE;
CLASS[PERCENT] = COMMENT;
CLASS[0] = STOP;

/** Letters of control words (and @), by code unit. */
const LETTER = new Uint8Array(65536);
for (let c = 65; c <= 90; c++) LETTER[c] = LETTER[c + 32] = 1;
LETTER[64] = 1;

/**
 * The end of a run from lastIndex: ordinary characters, and single spaces each followed by one (what the
 * general path copies as one contiguous piece). One call per line of a diagram; linear (no ambiguity).
 */
const RUN = /[^\\%\0\t-\r ]*(?: [^\\%\0\t-\r ]+)*/y;
/** A bitmap of the special names' hashes (low 12 bits): most control words are ruled out by one load. */
const SPECIAL_BITS = new Uint8Array(4096);
for (const h of SPECIAL_HASHES) SPECIAL_BITS[h & 4095] = 1;
const isSpecial = (h: number): boolean => SPECIAL_BITS[h & 4095] === 1 && SPECIAL_HASHES.has(h);

const BEGIN_HASH = nameHash('begin');
const END_HASH = nameHash('end');

/**
 * After the control word `t[p..i)` with hash `h`: when it is `\begin` or `\end` followed at once by `{`,
 * letters, an optional `*` and `}`, and the name it runs (`name`, or `endname`) is not special, the index
 * after the `}`; otherwise -1 (the general path decides). Mirrors literalGroup + rebuilt + word.
 */
function beginEnd(t: string, p: number, i: number, h: number): number {
  const isEnd = h === END_HASH && i - p === 4 && t.startsWith('end', p + 1);
  if (!isEnd && !(h === BEGIN_HASH && i - p === 6 && t.startsWith('begin', p + 1))) return -1;
  const n = t.length;
  if (i >= n || t.charCodeAt(i) !== 123) return -1;
  let j = i + 1;
  let name = isEnd ? END_HASH : 0;
  while (j < n && LETTER[t.charCodeAt(j)] === 1) {
    name = (Math.imul(name, 31) + t.charCodeAt(j)) | 0;
    j++;
  }
  if (j === i + 1 || isSpecial(name)) return -1;
  if (j < n && t.charCodeAt(j) === 42) j++;
  return j < n && t.charCodeAt(j) === 125 ? j + 1 : -1;
}

export class TexFast extends TexLookahead {
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
    const n = t.length;
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
    let steps = this.steps;
    while (p < n) {
      const c = t.charCodeAt(p);
      const k = CLASS[c]!;
      if (k === ORD) {
        // flushSpace(letter next).
        if (afterWord) {
          if (LETTER[c] === 1) {
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
        RUN.lastIndex = p + 1;
        RUN.test(t);
        const j = RUN.lastIndex;
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
        // The run folds to one space. Any ' ' in it can be copied for that space: the last one, so that a
        // line break and its indentation cost one piece of output, not two.
        const from = p;
        let last = -1;
        let kk = k;
        do {
          if (kk === SPACE) last = p;
          p++;
          kk = p < n ? CLASS[t.charCodeAt(p)]! : STOP;
        } while (kk === SPACE || kk === BLANK);
        if (!pendingSpace) {
          pendingSpace = true;
          spaceFrom = last;
        }
        steps += p - from;
      } else if (k === COMMENT) {
        // skipComment: the line, its end, and the next line's indentation.
        let i = p;
        while (i < n && t.charCodeAt(i) !== 10 && t.charCodeAt(i) !== 13) i++;
        if (i + 1 < n && t.charCodeAt(i) === 13 && t.charCodeAt(i + 1) === 10) i++;
        i++;
        while (i < n && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
        steps += i - p + 1;
        p = i;
      } else if (k === ESCAPE && plainNames && !rawNext) {
        // A control word nothing special applies to is copied as written (see TexNormaliser.controlSequence).
        let i = p + 1;
        if (i >= n || LETTER[t.charCodeAt(i)] !== 1) break;
        let h = 0;
        do {
          h = (Math.imul(h, 31) + t.charCodeAt(i)) | 0;
          i++;
        } while (i < n && LETTER[t.charCodeAt(i)] === 1);
        let end = -1;
        if (isSpecial(h)) {
          // `\begin{name}` / `\end{name}` of a plain name nothing special applies to: `\name`, `\endname`.
          end = beginEnd(t, p, i, h);
          if (end < 0) break;
        }
        // flushSpace(false).
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
        emitted = true;
        afterWord = true;
        if (end >= 0) {
          // put(the rebuilt name).
          if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
          spanFrom = spanTo;
          const star = t.charCodeAt(end - 2) === 42;
          out += (i - p === 4 ? '\\end' : '\\') + t.slice(i + 1, star ? end - 2 : end - 1) + (star ? '*' : '');
          steps += end - p + 1;
          p = end;
          continue;
        }
        // copy(p, i).
        steps += i - p + 1;
        if (p !== spanTo || spanFrom === spanTo) {
          if (spanTo > spanFrom) out += t.slice(spanFrom, spanTo);
          spanFrom = p;
        }
        spanTo = i;
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
    this.steps = steps;
  }
}

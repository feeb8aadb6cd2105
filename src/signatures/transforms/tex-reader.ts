// The reading half of the TeX normaliser: comments, blanks, control-sequence names and literal runs, each
// counting the characters it looks at (the step counter the linearity tests check).
import { FF, isLetter, isSpace, NUL, PERCENT, stopsLiteral } from './tex-chars.js';
import { EXPL3_PREFIXES, expl3NameEnd, expl3Primitive } from './tex-expl3.js';

export interface CsRead {
  readonly name: string;
  readonly end: number;
  readonly caret: boolean;
}

export class TexReader {
  /** Characters looked at, lookaheads included. */
  steps = 0;

  constructor(
    protected readonly t: string,
    /** 1 where a character came out of caret notation; null when none did. */
    protected readonly marks: Uint8Array | null,
  ) {}

  /** Skips a comment starting at `at` (the `%`), its line end and the next line's indentation. */
  protected skipComment(at: number): number {
    const t = this.t;
    let i = at;
    while (i < t.length && t.charCodeAt(i) !== 10 && t.charCodeAt(i) !== 13) i++;
    if (t.charCodeAt(i) === 13 && t.charCodeAt(i + 1) === 10) i++;
    i++;
    while (i < t.length && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
    this.steps += i - at;
    return i;
  }

  protected skipBlank(at: number): number {
    const t = this.t;
    let i = at;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === FF) break; // active, not a blank: it may be the name being defined
      if (isSpace(c) || c === NUL) i++;
      else if (c === PERCENT) i = this.skipComment(i);
      else break;
      this.steps++;
    }
    return i;
  }

  protected caretIn(from: number, to: number): boolean {
    const m = this.marks;
    if (m === null) return false;
    for (let i = from; i < to; i++) if (m[i] === 1) return true;
    return false;
  }

  /** The control sequence at `at` (a backslash): a word of letters, or one other character. */
  protected readCs(at: number): CsRead {
    const t = this.t;
    let i = at + 1;
    if (i >= t.length) return { name: '', end: i, caret: this.caretIn(at, i) };
    if (isLetter(t.charCodeAt(i))) {
      while (i < t.length && isLetter(t.charCodeAt(i))) i++;
      // `\tex_filedump:D`: expl3's copy of a primitive, read as the primitive (tex-expl3.ts)
      if (t.charCodeAt(i) === 95 && EXPL3_PREFIXES.has(t.slice(at + 1, i))) {
        const j = expl3NameEnd(t, i);
        const primitive = expl3Primitive(t.slice(at + 1, j));
        if (primitive !== null) {
          this.steps += j - at;
          return { name: primitive, end: j, caret: this.caretIn(at, j) };
        }
      }
    } else {
      i++;
    }
    this.steps += i - at;
    return { name: t.slice(at + 1, i), end: i, caret: this.caretIn(at, i) };
  }

  /** Literal text up to the next stop character; returns its end (at the stop) and whether it held carets. */
  protected literalRun(at: number): number {
    const t = this.t;
    let i = at;
    while (i < t.length && !stopsLiteral(t.charCodeAt(i))) i++;
    this.steps += i - at;
    return i;
  }
}

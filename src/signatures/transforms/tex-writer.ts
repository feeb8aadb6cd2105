// The writing half of the TeX normaliser: output built from verbatim spans of the input, whitespace folding,
// brace depth, \lowercase case mapping, and the recursion bookkeeping of macro bodies being written.
import { CallGraph } from './tex-calls.js';
import { CLOSE, FF_NAME, isLetter, OPEN } from './tex-chars.js';
import { MARK_CARET, MARK_RECURSION, MAX_DEF_NESTING } from './tex-names.js';
import { TexReader } from './tex-reader.js';

export interface DefFrame {
  readonly name: string;
  readonly depth: number;
  marked: boolean;
  /** Conditionals open in the body: a self-call inside one is the usual terminating loop, not marked. */
  ifs: number;
}

export class TexWriter extends TexReader {
  protected out = '';
  /** Input span [spanFrom, spanTo) copied verbatim but not yet appended: most text passes unchanged. */
  protected spanFrom = 0;
  protected spanTo = 0;
  /** Whether anything was written yet. */
  protected emitted = false;
  /** Input index of the ' ' that opened the pending whitespace (-1: it was another blank). */
  protected spaceFrom = -1;
  protected p = 0;
  protected afterWord = false;
  protected pendingSpace = false;
  protected depth = 0;
  /**
   * Case mapping active inside `\lowercase{..}`: stack of [mode, depth, delimiter]; mode 1 lower, 2 upper;
   * delimiter 1 when the braces are the command's argument delimiters (not written out, not a group).
   */
  protected readonly caseStack: number[] = [];
  protected pendingCase = 0;
  protected readonly defs: DefFrame[] = [];
  protected pendingDef: string | null = null;
  protected rawNext = false;

  /** Unconditional calls between macros being defined, for the mutual-recursion check at the end. */
  protected readonly calls = new CallGraph();

  /** Appends input text [from, to) unchanged: extends the pending span when contiguous. */
  protected copy(from: number, to: number): void {
    if (from !== this.spanTo || this.spanFrom === this.spanTo) {
      this.flushSpan();
      this.spanFrom = from;
    }
    this.spanTo = to;
    this.emitted = true;
  }
  /** Appends text that is not a verbatim piece of the input. */
  protected put(s: string): void {
    this.flushSpan();
    this.out += s;
    this.emitted = true;
  }
  protected flushSpan(): void {
    if (this.spanTo > this.spanFrom) this.out += this.t.slice(this.spanFrom, this.spanTo);
    this.spanFrom = this.spanTo;
  }
  protected space(): void {
    if (this.spaceFrom >= 0) this.copy(this.spaceFrom, this.spaceFrom + 1);
    else this.put(' ');
  }
  protected flushSpace(letterNext: boolean): void {
    if (this.afterWord) {
      if (letterNext) {
        this.spaceFrom = -1;
        this.put(' ');
      }
    } else if (this.pendingSpace && this.emitted) {
      this.space();
    }
    this.pendingSpace = false;
    this.afterWord = false;
  }
  protected char(c: number): void {
    if (c === CLOSE && this.delimiterAt(this.depth)) {
      this.closeDelimiter();
      return;
    }
    let ch = c;
    const mode = this.caseMode();
    if (mode !== 0 && ch < 128)
      ch = mode === 1 ? (ch >= 65 && ch <= 90 ? ch + 32 : ch) : ch >= 97 && ch <= 122 ? ch - 32 : ch;
    this.flushSpace(isLetter(ch));
    this.rawNext = false;
    if (ch === c) this.copy(this.p, this.p + 1);
    else this.put(String.fromCharCode(ch));
    if (c === OPEN) this.open();
    else if (c === CLOSE) this.close();
  }
  protected open(): void {
    this.depth++;
    if (this.pendingCase !== 0) {
      this.caseStack.push(this.pendingCase, this.depth, 0);
      this.pendingCase = 0;
    }
    // Only the outermost few nested definitions are tracked, so the work per token stays bounded.
    if (this.pendingDef !== null && this.defs.length < MAX_DEF_NESTING) {
      this.defs.push({ name: this.pendingDef, depth: this.depth, marked: false, ifs: 0 });
    }
    this.pendingDef = null;
  }
  protected close(): void {
    const cs = this.caseStack;
    if (cs.length > 0 && cs[cs.length - 2] === this.depth) cs.length -= 3;
    const defs = this.defs;
    if (defs.length > 0 && defs[defs.length - 1]!.depth === this.depth) defs.pop();
    if (this.depth > 0) this.depth--;
  }
  /** True when a `}` closing `depth` would end a macro body (what follows it is not part of the body). */
  protected closesDefBody(depth: number): boolean {
    for (const d of this.defs) if (d.depth === depth) return true;
    return false;
  }
  /** True when the innermost case group is a delimiter opened at `depth`. */
  protected delimiterAt(depth: number): boolean {
    const cs = this.caseStack;
    return cs.length > 0 && cs[cs.length - 1] === 1 && cs[cs.length - 2] === depth;
  }
  /** Ends a \lowercase/\uppercase argument: its brace is not written. */
  protected closeDelimiter(): void {
    this.caseStack.length -= 3;
    if (this.depth > 0) this.depth--;
  }
  protected caseMode(): number {
    const cs = this.caseStack;
    return cs.length === 0 ? 0 : cs[cs.length - 3]!;
  }
  /** Writes `\name`; `from` is where the same text stands in the input (-1: it does not). */
  protected emitWord(name: string, caret: boolean, raw = false, from = -1): void {
    if (caret) {
      this.flushSpace(false);
      this.put(MARK_CARET);
    }
    if (!raw && this.defs.length > 0) this.trackRecursion(name);
    this.flushSpace(false);
    if (from >= 0 && !caret) this.copy(from, from + 1 + name.length);
    else this.put('\\' + name);
    // `\\` is a control symbol: `\\write18` is a line break and the text `write18`. Letters after it are set
    // apart like after a control word, so no rule reads `\write` inside it.
    this.afterWord = isLetter(name.charCodeAt(name.length - 1)) || name === '\\';
  }
  /** A name being defined: written as is, never resolved (`~` stays a character). */
  protected emitName(name: string): void {
    if (name === '~' || name === FF_NAME) {
      this.flushSpace(false);
      this.put(name);
    } else this.emitWord(name, false, true);
  }
  /** Marks a macro body that calls its own macro outside any conditional. */
  protected trackRecursion(name: string): void {
    if (name.startsWith('if') || name === 'unless') {
      for (const d of this.defs) d.ifs++;
      return;
    }
    if (name === 'fi') {
      for (const d of this.defs) if (d.ifs > 0) d.ifs--;
      return;
    }
    for (const d of this.defs) {
      if (d.ifs !== 0) continue;
      if (d.name === name) {
        if (!d.marked) {
          d.marked = true;
          this.flushSpace(false);
          this.put(MARK_RECURSION);
        }
      } else this.calls.add(d.name, name);
    }
  }
  protected mapCase(s: string): string {
    const mode = this.caseMode();
    if (mode === 0) return s;
    return mode === 1 ? s.toLowerCase() : s.toUpperCase();
  }
}

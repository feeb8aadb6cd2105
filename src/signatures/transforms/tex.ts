// `tex` transform: rewrites TeX source into one canonical spelling, so rules see what TeX would execute.
// - caret notation decoded (tex-caret.ts); a control sequence spelled with it is marked ⟪caret⟫;
// - `%` comments dropped with their line end and the next line's indentation (`\%` is not a comment);
// - whitespace runs folded to one space, none after a control word (one only to separate a letter);
// - `\csname lit\endcsname`, `\@nameuse{lit}`, `\csuse{lit}`, `\begin{lit}`/`\end{lit}` rebuilt into `\lit`,
//   `\endlit` (non-literal content is left as written, for rules to refuse);
// - `\expandafter` dropped; `\string\x` kept as written and never resolved;
// - `\let`/`\def`-family aliases of one control sequence followed (`\let\x=\input ... \x` reads `\input`);
// - letters inside `\lowercase{..}` / `\uppercase{..}` case-mapped, as TeX does before running them;
// - a macro body that uses the macro itself marked ⟪recursion⟫.
// It reads the input once; lookaheads stop at the next backslash or brace, so work stays linear.
import { decodeCarets, type StepCounter } from './tex-caret.js';
import {
  DEF_LIKE,
  DROPPED,
  LET_LIKE,
  MARK_CARET,
  MARK_RECURSION,
  MAX_ALIAS_DEPTH,
  MAX_ALIAS_TARGET,
  NAME_FROM_GROUP,
} from './tex-names.js';

const BACKSLASH = 92;
const MAX_DEF_NESTING = 8;
/** Bounds of the call graph kept for the mutual-recursion check. */
const MAX_CALL_GRAPH = 256;
const MAX_CALLS_PER_DEF = 32;

// What a control sequence needs beyond being copied: one map lookup per control word.
const K_DROP = 1;
const K_CSNAME = 2;
const K_GROUP_NAME = 3;
const K_END = 4;
const K_CASE = 5;
const K_STRING = 6;
const K_LET = 7;
const K_DEF = 8;
const SPECIAL: ReadonlyMap<string, number> = new Map<string, number>([
  ...[...DROPPED].map((n) => [n, K_DROP] as const),
  ['csname', K_CSNAME],
  ['begin', K_GROUP_NAME],
  ...[...NAME_FROM_GROUP].map((n) => [n, K_GROUP_NAME] as const),
  ['end', K_END],
  ['lowercase', K_CASE],
  ['uppercase', K_CASE],
  ['string', K_STRING],
  ...[...LET_LIKE].map((n) => [n, K_LET] as const),
  ...[...DEF_LIKE].map((n) => [n, K_DEF] as const),
]);

function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

/** Hashes of the special names: a control word whose hash is not here needs no lookup at all. */
const SPECIAL_HASHES: ReadonlySet<number> = new Set([...SPECIAL.keys()].map(nameHash));
const EXPANDING_DEFS: ReadonlySet<string> = new Set(['edef', 'xdef', 'csedef', 'csxdef']);
const OPEN = 123;
const CLOSE = 125;
const PERCENT = 37;
const TILDE = 126;
const NUL = 0;
const FF = 12;
const FF_NAME = '\f';

/** Characters TeX ignores (category 9: ^^@) do not count in names built from text. */
function dropIgnored(s: string): string {
  return s.indexOf('\u0000') === -1 ? s : s.split('\u0000').join('');
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 64;
}

/** 1 for the ASCII characters that end a run of ordinary text (escape, braces, comment, `~`, blanks). */
const BREAKS = new Uint8Array(128);
for (const c of [BACKSLASH, OPEN, CLOSE, PERCENT, TILDE, NUL, 32, 10, 9, 13, 12, 11]) BREAKS[c] = 1;

/** Not whitespace, comment, escape or brace: copied as is. */
function isOrdinary(c: number): boolean {
  return c >= 128 || BREAKS[c] === 0;
}

/** Letters (and @), optionally one trailing `*`: a name that can be run as a control word. */
function isPlainWord(name: string): boolean {
  const n = name.charCodeAt(name.length - 1) === 42 ? name.length - 1 : name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!isLetter(name.charCodeAt(i))) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** Characters that make a built name non-literal (something TeX would have to expand or that ends it). */
function stopsLiteral(c: number): boolean {
  return c === BACKSLASH || c === OPEN || c === CLOSE || c === 35 /* # */ || c === PERCENT || c === 126; /* ~ */
}

interface CsRead {
  readonly name: string;
  readonly end: number;
  readonly caret: boolean;
}

interface NameRead {
  readonly name: string;
  readonly end: number;
  /** How many closing braces were skipped to reach the name. */
  readonly crossed: number;
}

interface DefFrame {
  readonly name: string;
  readonly depth: number;
  marked: boolean;
  /** Conditionals open in the body: a self-call inside one is the usual terminating loop, not marked. */
  ifs: number;
}

class TexNormaliser {
  private out = '';
  /** Input span [spanFrom, spanTo) copied verbatim but not yet appended: most text passes unchanged. */
  private spanFrom = 0;
  private spanTo = 0;
  /** Whether anything was written yet. */
  private emitted = false;
  /** Input index of the ' ' that opened the pending whitespace (-1: it was another blank). */
  private spaceFrom = -1;
  private p = 0;
  private afterWord = false;
  private pendingSpace = false;
  private depth = 0;
  /**
   * Case mapping active inside `\lowercase{..}`: stack of [mode, depth, delimiter]; mode 1 lower, 2 upper;
   * delimiter 1 when the braces are the command's argument delimiters (not written out, not a group).
   */
  private readonly caseStack: number[] = [];
  private pendingCase = 0;
  private readonly aliases = new Map<string, string>();
  private readonly defs: DefFrame[] = [];
  private pendingDef: string | null = null;
  private rawNext = false;
  steps = 0;

  constructor(
    private readonly t: string,
    private readonly marks: Uint8Array | null,
  ) {}

  run(): string {
    const t = this.t;
    const n = t.length;
    while (this.p < n) {
      this.steps++;
      const c = t.charCodeAt(this.p);
      if (c === NUL) {
        // ^^@ has category 9 (ignored): it ends a name but produces nothing.
        this.p++;
      } else if (c === FF && this.aliases.has(FF_NAME)) {
        // ^^L is active in LaTeX (a \par): `\let<FF>\input` makes it an alias like `~`.
        this.word(FF_NAME, this.p + 1, false, -1);
      } else if (isSpace(c)) {
        if (!this.pendingSpace) {
          this.pendingSpace = true;
          this.spaceFrom = c === 32 ? this.p : -1;
        }
        this.p++;
      } else if (c === PERCENT) {
        this.p = this.skipComment(this.p);
      } else if (c === BACKSLASH) {
        this.controlSequence();
      } else if (c === TILDE && this.aliases.has('~')) {
        // `~` is active: `\let~\input` makes it one more alias.
        this.word('~', this.p + 1, false, -1);
      } else if (c === OPEN || c === CLOSE || this.caseStack.length > 0) {
        this.char(c);
        this.p++;
      } else {
        // A run of ordinary characters is copied in one piece.
        let j = this.p + 1;
        while (j < n && isOrdinary(t.charCodeAt(j))) j++;
        this.flushSpace(isLetter(c));
        this.rawNext = false;
        this.copy(this.p, j);
        this.steps += j - this.p;
        this.p = j;
      }
    }
    this.flushSpan();
    if (this.mutualRecursion()) this.out += MARK_RECURSION;
    return this.out;
  }

  // ---- emission -------------------------------------------------------------------------------------

  /** Appends input text [from, to) unchanged: extends the pending span when contiguous. */
  private copy(from: number, to: number): void {
    if (from !== this.spanTo || this.spanFrom === this.spanTo) {
      this.flushSpan();
      this.spanFrom = from;
    }
    this.spanTo = to;
    this.emitted = true;
  }

  /** Appends text that is not a verbatim piece of the input. */
  private put(s: string): void {
    this.flushSpan();
    this.out += s;
    this.emitted = true;
  }

  private flushSpan(): void {
    if (this.spanTo > this.spanFrom) this.out += this.t.slice(this.spanFrom, this.spanTo);
    this.spanFrom = this.spanTo;
  }

  private space(): void {
    if (this.spaceFrom >= 0) this.copy(this.spaceFrom, this.spaceFrom + 1);
    else this.put(' ');
  }

  private flushSpace(letterNext: boolean): void {
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

  private char(c: number): void {
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

  private open(): void {
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

  private close(): void {
    const cs = this.caseStack;
    if (cs.length > 0 && cs[cs.length - 2] === this.depth) cs.length -= 3;
    const defs = this.defs;
    if (defs.length > 0 && defs[defs.length - 1]!.depth === this.depth) defs.pop();
    if (this.depth > 0) this.depth--;
  }

  /** True when a `}` closing `depth` would end a macro body (what follows it is not part of the body). */
  private closesDefBody(depth: number): boolean {
    for (const d of this.defs) if (d.depth === depth) return true;
    return false;
  }

  /** True when the innermost case group is a delimiter opened at `depth`. */
  private delimiterAt(depth: number): boolean {
    const cs = this.caseStack;
    return cs.length > 0 && cs[cs.length - 1] === 1 && cs[cs.length - 2] === depth;
  }

  /** Ends a \lowercase/\uppercase argument: its brace is not written. */
  private closeDelimiter(): void {
    this.caseStack.length -= 3;
    if (this.depth > 0) this.depth--;
  }

  private caseMode(): number {
    const cs = this.caseStack;
    return cs.length === 0 ? 0 : cs[cs.length - 3]!;
  }

  /** Writes `\name`; `from` is where the same text stands in the input (-1: it does not). */
  private emitWord(name: string, caret: boolean, raw = false, from = -1): void {
    if (caret) {
      this.flushSpace(false);
      this.put(MARK_CARET);
    }
    if (!raw && this.defs.length > 0) this.trackRecursion(name);
    this.flushSpace(false);
    if (from >= 0 && !caret) this.copy(from, from + 1 + name.length);
    else this.put('\\' + name);
    this.afterWord = isLetter(name.charCodeAt(name.length - 1));
  }

  /** A name being defined: written as is, never resolved (`~` stays a character). */
  private emitName(name: string): void {
    if (name === '~' || name === FF_NAME) {
      this.flushSpace(false);
      this.put(name);
    } else this.emitWord(name, false, true);
  }

  /** Marks a macro body that calls its own macro outside any conditional. */
  private trackRecursion(name: string): void {
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
      } else this.callEdge(d.name, name);
    }
  }

  /** Unconditional calls between macros being defined, for the mutual-recursion check at the end. */
  private calls: Map<string, string[]> | null = null;

  private callEdge(from: string, to: string): void {
    const calls = (this.calls ??= new Map());
    let list = calls.get(from);
    if (list === undefined) {
      if (calls.size >= MAX_CALL_GRAPH) return;
      list = [];
      calls.set(from, list);
    }
    if (list.length < MAX_CALLS_PER_DEF && !list.includes(to)) list.push(to);
  }

  /** True when macros call each other in a cycle (`\def\a{\b}\def\b{\a}`), outside conditionals. */
  private mutualRecursion(): boolean {
    const calls = this.calls;
    if (calls === null) return false;
    // Iterative depth-first search with colours; the graph is bounded (MAX_CALL_GRAPH x MAX_CALLS_PER_DEF).
    const state = new Map<string, number>();
    for (const root of calls.keys()) {
      if (state.has(root)) continue;
      const stack: [string, number][] = [[root, 0]];
      state.set(root, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = calls.get(top[0])?.[top[1]++];
        if (next === undefined) {
          state.set(top[0], 2);
          stack.pop();
          continue;
        }
        const seen = state.get(next);
        if (seen === 1) return true;
        if (seen === undefined && calls.has(next)) {
          state.set(next, 1);
          stack.push([next, 0]);
        }
      }
    }
    return false;
  }

  // ---- reading --------------------------------------------------------------------------------------

  /** Skips a comment starting at `at` (the `%`), its line end and the next line's indentation. */
  private skipComment(at: number): number {
    const t = this.t;
    let i = at;
    while (i < t.length && t.charCodeAt(i) !== 10 && t.charCodeAt(i) !== 13) i++;
    if (t.charCodeAt(i) === 13 && t.charCodeAt(i + 1) === 10) i++;
    i++;
    while (i < t.length && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
    this.steps += i - at;
    return i;
  }

  private skipBlank(at: number): number {
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

  private caretIn(from: number, to: number): boolean {
    const m = this.marks;
    if (m === null) return false;
    for (let i = from; i < to; i++) if (m[i] === 1) return true;
    return false;
  }

  /** The control sequence at `at` (a backslash): a word of letters, or one other character. */
  private readCs(at: number): CsRead {
    const t = this.t;
    let i = at + 1;
    if (i >= t.length) return { name: '', end: i, caret: this.caretIn(at, i) };
    if (isLetter(t.charCodeAt(i))) {
      while (i < t.length && isLetter(t.charCodeAt(i))) i++;
    } else {
      i++;
    }
    this.steps += i - at;
    return { name: t.slice(at + 1, i), end: i, caret: this.caretIn(at, i) };
  }

  /** Literal text up to the next stop character; returns its end (at the stop) and whether it held carets. */
  private literalRun(at: number): number {
    const t = this.t;
    let i = at;
    while (i < t.length && !stopsLiteral(t.charCodeAt(i))) i++;
    this.steps += i - at;
    return i;
  }

  private mapCase(s: string): string {
    const mode = this.caseMode();
    if (mode === 0) return s;
    return mode === 1 ? s.toLowerCase() : s.toUpperCase();
  }

  private resolve(name: string): string {
    if (this.aliases.size === 0) return name;
    let cur = name;
    for (let k = 0; k < MAX_ALIAS_DEPTH; k++) {
      const next = this.aliases.get(cur);
      if (next === undefined || next === cur) break;
      cur = next;
    }
    return cur;
  }

  /**
   * A control-sequence name at `at`, looking through `\expandafter` and literal `\csname`: as `\x`, or
   * (with `group`) as `{\x}` or `{literal}`. Null when it is anything else.
   */
  private readName(at: number, group: 'none' | 'cs' | 'text'): NameRead | null {
    const t = this.t;
    let i = this.skipBlank(at);
    // A name may follow closing braces: the end of a \lowercase argument, or of a macro argument
    // (`\@firstofone{\def}\x{...}`): TeX never defines `}`, so crossing them only finds the real name.
    let closes = 0;
    while (t.charCodeAt(i) === CLOSE && closes < 8 && !this.closesDefBody(this.depth - closes)) {
      closes++;
      i = this.skipBlank(i + 1);
    }
    const crossed = closes;
    if (group !== 'none' && t.charCodeAt(i) === OPEN) {
      const j = this.skipBlank(i + 1);
      if (t.charCodeAt(j) === BACKSLASH) {
        // `\newcommand{\x}` names \x; `\csdef{\x}` names whatever \x expands to (not literal).
        if (group === 'text') return null;
        const cs = this.readCs(j);
        const k = this.skipBlank(cs.end);
        return t.charCodeAt(k) === CLOSE ? { name: cs.name, end: k + 1, crossed } : null;
      }
      const k = this.literalRun(j);
      return t.charCodeAt(k) === CLOSE ? { name: this.mapCase(t.slice(j, k)), end: k + 1, crossed } : null;
    }
    if (group === 'none' && t.charCodeAt(i) === TILDE) return { name: '~', end: i + 1, crossed };
    if (group === 'none' && t.charCodeAt(i) === FF) return { name: FF_NAME, end: i + 1, crossed };
    for (let hops = 0; hops < 4 && t.charCodeAt(i) === BACKSLASH; hops++) {
      const cs = this.readCs(i);
      if (DROPPED.has(cs.name)) {
        i = this.skipBlank(cs.end);
        continue;
      }
      if (cs.name === 'csname') {
        const built = this.literalCsname(cs.end);
        return built === null ? null : { name: built.name, end: built.end, crossed };
      }
      return { name: cs.name, end: cs.end, crossed };
    }
    return null;
  }

  /** `\csname <literal>\endcsname` after the `\csname` (at `at`); null when the content is not literal. */
  private literalCsname(at: number): { name: string; end: number; caret: boolean } | null {
    const t = this.t;
    const start = this.skipBlank(at);
    const stop = this.literalRun(start);
    if (t.charCodeAt(stop) !== BACKSLASH) return null;
    const end = this.readCs(stop);
    if (this.resolve(end.name) !== 'endcsname') return null;
    return { name: this.mapCase(dropIgnored(t.slice(start, stop))), end: end.end, caret: this.caretIn(start, stop) };
  }

  /** `{<literal>}` at or after `at`; null when absent or not literal. */
  private literalGroup(at: number): { name: string; end: number; caret: boolean } | null {
    const t = this.t;
    const open = this.skipBlank(at);
    if (t.charCodeAt(open) !== OPEN) return null;
    const stop = this.literalRun(open + 1);
    if (t.charCodeAt(stop) !== CLOSE) return null;
    return {
      name: this.mapCase(dropIgnored(t.slice(open + 1, stop))),
      end: stop + 1,
      caret: this.caretIn(open + 1, stop),
    };
  }

  // ---- control sequences ----------------------------------------------------------------------------

  /** How many rebuilt names in a row are being handled (`\\begin{begin}{begin}...` must not recurse deeply). */
  private rebuilding = 0;

  private controlSequence(): void {
    const start = this.p;
    const t = this.t;
    const n = t.length;
    let i = start + 1;
    if (i < n && isLetter(t.charCodeAt(i))) {
      let h = 0;
      do {
        h = (Math.imul(h, 31) + t.charCodeAt(i)) | 0;
        i++;
      } while (i < n && isLetter(t.charCodeAt(i)));
      // The common case: a control word nothing special applies to is copied as written, unsliced.
      if (
        !this.rawNext &&
        this.marks === null &&
        this.aliases.size === 0 &&
        this.defs.length === 0 &&
        !SPECIAL_HASHES.has(h)
      ) {
        this.steps += i - start;
        this.p = i;
        this.flushSpace(false);
        this.copy(start, i);
        this.afterWord = true;
        return;
      }
    }
    const cs = this.readCs(start);
    if (this.rawNext) {
      // `\string\x`: characters, never run; keep as written.
      this.rawNext = false;
      this.p = cs.end;
      this.emitWord(cs.name, cs.caret, true, start);
      return;
    }
    this.word(cs.name, cs.end, cs.caret, start);
  }

  /**
   * Handles one control sequence named `written` whose text ends at `end`; `start` is where `\written`
   * stands in the input (-1 when it was built or aliased, so it is written out anew).
   */
  private word(written: string, end: number, caret: boolean, start: number): void {
    const name = this.aliases.size === 0 ? written : this.resolve(written);
    const from = name === written ? start : -1;
    this.p = end;
    const kind = SPECIAL.get(name);
    if (kind === undefined) return this.emitWord(name, caret, false, from);
    switch (kind) {
      case K_DROP:
        // Nothing emitted; a following letter still needs separating from what came before.
        if (this.emitted) this.afterWord = true;
        return;
      case K_CSNAME: {
        const built = this.literalCsname(end);
        if (built !== null) return this.rebuilt(built.name, built.end, caret || built.caret);
        break;
      }
      case K_GROUP_NAME:
      case K_END: {
        const built = this.literalGroup(end);
        if (built !== null)
          return this.rebuilt(kind === K_END ? 'end' + built.name : built.name, built.end, caret || built.caret);
        break;
      }
      case K_CASE: {
        const mode = name === 'lowercase' ? 1 : 2;
        let i = this.skipBlank(end);
        while (this.t.startsWith('\\expandafter', i)) i = this.skipBlank(i + 12);
        if (this.t.charCodeAt(i) === OPEN) {
          // The argument's braces delimit it; its letters are mapped, and it runs as if written without them.
          this.emitWord(name, caret, false, from);
          this.p = i + 1;
          this.depth++;
          this.caseStack.push(mode, this.depth, 1);
          return;
        }
        this.pendingCase = mode;
        break;
      }
      case K_STRING:
        this.rawNext = true;
        break;
      case K_LET:
        return this.letLike(name, caret);
      case K_DEF:
        return this.defLike(name, caret);
    }
    this.emitWord(name, caret, false, from);
  }

  /** A control sequence built from text: handled as if written at this point. */
  private rebuilt(name: string, end: number, caret: boolean): void {
    if (name === '' || name === 'csname' || this.rebuilding >= 4 || !isPlainWord(name)) {
      // Not a plain word (spaces, digits, or a builder again): emit it, nothing runs through it.
      this.p = end;
      this.emitWord(name, caret);
      return;
    }
    this.rebuilding++;
    this.word(name.endsWith('*') ? name.slice(0, -1) : name, end, caret, -1);
    this.rebuilding--;
    if (name.endsWith('*')) this.put('*');
  }

  private letLike(keyword: string, caret: boolean): void {
    this.emitWord(keyword, caret);
    const groupFirst = keyword === 'cslet' || keyword === 'csletcs' ? 'text' : 'none';
    const first = this.readName(this.p, groupFirst);
    if (first === null) return;
    this.consumeName(first);
    this.emitName(first.name);
    if (keyword === 'futurelet') {
      // `\futurelet\x\a\b` makes \x the token after \a; both are left to run as written.
      const a = this.skipBlank(first.end);
      const afterA = this.t.charCodeAt(a) === BACKSLASH ? this.readCs(a).end : a + 1;
      const b = this.readName(afterA, 'none');
      const resolved = b === null ? null : this.resolve(b.name);
      if (resolved !== null && resolved.length <= MAX_ALIAS_TARGET && resolved !== first.name)
        this.aliases.set(first.name, resolved);
      else this.aliases.delete(first.name);
      return;
    }
    // The target is consumed too: it is copied, not run (`\let\x=\def` must not start a definition).
    let i = this.skipBlank(first.end);
    const eq = this.t.charCodeAt(i) === 61; /* = */
    if (eq) i = this.skipBlank(i + 1);
    const target = this.readName(i, keyword === 'letcs' || keyword === 'csletcs' ? 'text' : 'none');
    if (target === null) {
      this.aliases.delete(first.name);
      return;
    }
    this.consumeName(target);
    const resolved = this.resolve(target.name);
    if (eq) this.put('=');
    this.emitName(resolved);
    if (resolved.length <= MAX_ALIAS_TARGET && resolved !== first.name) this.aliases.set(first.name, resolved);
    else this.aliases.delete(first.name);
  }

  /** Moves past a name read by readName, closing a \lowercase delimiter it crossed. */
  private consumeName(n: NameRead): void {
    this.p = n.end;
    for (let k = 0; k < n.crossed; k++) {
      if (this.delimiterAt(this.depth)) this.closeDelimiter();
      else {
        this.put('}');
        this.close();
      }
    }
  }

  private defLike(keyword: string, caret: boolean): void {
    this.emitWord(keyword, caret);
    // `\csdef{name}` takes text; `\newcommand{\x}` a control sequence in braces; `\def\x` a bare one.
    const group: 'none' | 'cs' | 'text' =
      keyword.startsWith('cs') || keyword.endsWith('namedef')
        ? 'text'
        : keyword.endsWith('command') || keyword === 'DeclareRobustCommand'
          ? 'cs'
          : 'none';
    // `\newcommand*{\x}`: the star only says the arguments are short.
    if (group === 'cs' && this.t.charCodeAt(this.skipBlank(this.p)) === 42 /* * */) {
      this.p = this.skipBlank(this.p) + 1;
      this.put('*');
    }
    const first = this.readName(this.p, group);
    if (first === null) return;
    this.consumeName(first);
    this.emitName(first.name);
    // \edef / \xdef expand the body now: `\xdef\x{\x,1}` appends, it does not recurse.
    if (!EXPANDING_DEFS.has(keyword)) this.pendingDef = first.name;
    // A body that is one control sequence and nothing else: `\def\x{\input}` makes `\x` an alias.
    const t = this.t;
    const open = this.skipBlank(first.end);
    if (t.charCodeAt(open) !== OPEN) {
      this.aliases.delete(first.name);
      return;
    }
    const j = this.skipBlank(open + 1);
    if (t.charCodeAt(j) !== BACKSLASH) {
      this.aliases.delete(first.name);
      return;
    }
    const cs = this.readCs(j);
    const k = this.skipBlank(cs.end);
    if (t.charCodeAt(k) === CLOSE && cs.name.length <= MAX_ALIAS_TARGET && cs.name !== first.name) {
      this.aliases.set(first.name, cs.name);
    } else {
      this.aliases.delete(first.name);
    }
  }
}

export interface TexResult {
  readonly text: string;
  readonly steps: number;
}

/** The `tex` transform with its step count (for the linearity tests). */
export function texNormaliseCounted(input: string): TexResult {
  const counter: StepCounter = { steps: 0 };
  const decoded = decodeCarets(input, counter);
  const n = new TexNormaliser(decoded.text, decoded.marks);
  const text = n.run();
  return { text, steps: counter.steps + n.steps };
}

export function texNormalise(input: string): string {
  return texNormaliseCounted(input).text;
}

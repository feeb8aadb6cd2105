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
  BACKSLASH,
  CLOSE,
  FF,
  FF_NAME,
  isLetter,
  isOrdinary,
  isPlainWord,
  isSpace,
  NUL,
  OPEN,
  PERCENT,
  TILDE,
} from './tex-chars.js';
import {
  EXPANDING_DEFS,
  K_CASE,
  K_CSNAME,
  K_DEF,
  K_DROP,
  K_URL_ARG,
  K_VERB,
  K_VERBATIM,
  K_END,
  K_GROUP_NAME,
  K_LET,
  K_STRING,
  MARK_RECURSION,
  MARK_SHOWN,
  MAX_ALIAS_TARGET,
  SPECIAL,
  SPECIAL_HASHES,
} from './tex-names.js';
import { TexFast } from './tex-fast.js';
import { expl3Primitive } from './tex-expl3.js';
import { shownVerbs } from './tex-shown.js';

class TexNormaliser extends TexFast {
  /**
   * `\verb`s whose text is only shown (backslash index -> end of the text), found at the first `\verb` met;
   * undefined until then; null: all read as code (shown_text off, or carets decoded anywhere: TeX reads `^^`
   * inside \verb as written, so positions would not match its reading).
   */
  private shown: ReadonlyMap<number, number> | null | undefined;

  constructor(t: string, marks: Uint8Array | null, shownText: boolean) {
    super(t, marks);
    this.shown = shownText && marks === null ? undefined : null;
  }

  /** `fast`: use the fast path for ordinary text (false only to test it against the general path). */
  run(fast: boolean): string {
    const t = this.t;
    const n = t.length;
    while (this.p < n) {
      if (fast && this.pristine()) {
        this.fastScan();
        if (this.p >= n) break;
      }
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
    if (this.calls.hasCycle()) this.out += MARK_RECURSION;
    return this.out;
  }

  // ---- emission -------------------------------------------------------------------------------------

  // ---- reading --------------------------------------------------------------------------------------

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
    // Written as read, unless the name read differs from the text (an expl3 primitive name: tex-expl3.ts).
    const from = cs.end - start === cs.name.length + 1 ? start : -1;
    if (this.rawNext) {
      // `\string\x`: characters, never run; keep as written.
      this.rawNext = false;
      this.p = cs.end;
      this.emitWord(cs.name, cs.caret, true, from);
      return;
    }
    this.word(cs.name, cs.end, cs.caret, from);
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
      case K_VERB: {
        if (this.shown === undefined) this.shown = shownVerbs(this.t);
        const end = from >= 0 && this.shown !== null ? this.shown.get(from) : undefined;
        this.emitWord(name, caret, false, from);
        if (end === undefined) return this.verbatimText(kind);
        // text TeX only shows (tex-shown.ts): rules do not read it
        this.put(MARK_SHOWN);
        this.afterWord = false;
        this.steps += end - this.p;
        this.p = end;
        return;
      }
      case K_URL_ARG:
      case K_VERBATIM:
        this.emitWord(name, caret, false, from);
        return this.verbatimText(kind);
    }
    this.emitWord(name, caret, false, from);
  }

  /**
   * Text TeX reads with changed category codes after `\verb`, `\url`-like commands and `\begin{verbatim}`:
   * copied as written, so a `%` there hides nothing from the rules (`\verb|%|\input{x}` runs `\input`).
   */
  private verbatimText(kind: number): void {
    const t = this.t;
    let i = this.p;
    let stop: number;
    let argStart = i;
    if (kind === K_VERBATIM) {
      const end = t.indexOf('\\end{verbatim', i);
      stop = end === -1 ? t.length : end;
    } else {
      if (kind === K_VERB && t.charCodeAt(i) === 42 /* * */) i++;
      if (kind === K_URL_ARG) {
        while (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9) i++;
        if (t.charCodeAt(i) === 91 /* [ */) {
          // Options are short: look no further than 256 characters (keeps the scan linear).
          const close = t.slice(i, i + 256).indexOf(']');
          if (close !== -1) i += close + 1;
        }
      }
      if (i >= t.length) return;
      argStart = i;
      const d = t.charCodeAt(i);
      if (kind === K_URL_ARG && d === OPEN) {
        // A braced URL: up to the matching brace.
        let depth = 0;
        stop = i;
        for (; stop < t.length; stop++) {
          const c = t.charCodeAt(stop);
          if (c === OPEN) depth++;
          else if (c === CLOSE && --depth === 0) {
            stop++;
            break;
          }
        }
      } else {
        // A delimited one (`\verb|x|`, `\url|x|`): up to the same character, or the end of the line.
        let j = i + 1;
        while (j < t.length && t.charCodeAt(j) !== d && t.charCodeAt(j) !== 10 && t.charCodeAt(j) !== 13) j++;
        stop = j < t.length && t.charCodeAt(j) === d ? j + 1 : j;
      }
    }
    this.steps += stop - this.p;
    if (stop > this.p) {
      this.flushSpace(false);
      this.copy(this.p, stop);
      // Inside another command's argument TeX has read the text already, and there `%` was a comment:
      // show that reading too (`\node{\href{java%<newline>script:...}}` is a javascript: link).
      const arg = kind === K_URL_ARG ? t.slice(argStart, stop) : '';
      if (arg.indexOf('%') !== -1) {
        this.put(` ${arg.replace(/%[^\n\r]*(?:\r\n|\r|\n)?[ \t]*/g, '')}`);
      }
    }
    this.p = stop;
  }

  /** A control sequence built from text: handled as if written at this point. */
  private rebuilt(name: string, end: number, caret: boolean): void {
    // `\csname tex_input:D\endcsname`: expl3's copy of a primitive, run as the primitive
    const primitive = expl3Primitive(name);
    if (primitive !== null) name = primitive;
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

/**
 * The `tex` transform with its step count (for the linearity tests). `fast: false` turns the fast path for
 * ordinary text off (tests check both give the same output).
 */
export function texNormaliseCounted(input: string, fast = true, shownText = false): TexResult {
  const counter: StepCounter = { steps: 0 };
  const decoded = decodeCarets(input, counter);
  const n = new TexNormaliser(decoded.text, decoded.marks, shownText);
  const text = n.run(fast);
  return { text, steps: counter.steps + n.steps };
}

export function texNormalise(input: string): string {
  return texNormaliseCounted(input).text;
}

/** The `tex` transform that also leaves out text TeX only shows (`checks.signatures.shown_text`, tex-shown.ts). */
export function texNormaliseShown(input: string): string {
  return texNormaliseCounted(input, true, true).text;
}

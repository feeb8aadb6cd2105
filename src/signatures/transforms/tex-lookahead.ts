// The lookahead half of the TeX normaliser: names as TeX would read them (through \expandafter, literal
// \csname, braces that close macro arguments), and the aliases \let and \def have made.
import { BACKSLASH, CLOSE, dropIgnored, FF, FF_NAME, OPEN, TILDE } from './tex-chars.js';
import { DROPPED, MAX_ALIAS_DEPTH } from './tex-names.js';
import { TexWriter } from './tex-writer.js';

export interface NameRead {
  readonly name: string;
  readonly end: number;
  /** How many closing braces were skipped to reach the name. */
  readonly crossed: number;
}

export class TexLookahead extends TexWriter {
  /** Control-sequence aliases made by \let / \def (`x` -> `input`); `~` and form feed included. */
  protected readonly aliases = new Map<string, string>();

  protected resolve(name: string): string {
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
  protected readName(at: number, group: 'none' | 'cs' | 'text'): NameRead | null {
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
  protected literalCsname(at: number): { name: string; end: number; caret: boolean } | null {
    const t = this.t;
    const start = this.skipBlank(at);
    const stop = this.literalRun(start);
    if (t.charCodeAt(stop) !== BACKSLASH) return null;
    const end = this.readCs(stop);
    if (this.resolve(end.name) !== 'endcsname') return null;
    return { name: this.mapCase(dropIgnored(t.slice(start, stop))), end: end.end, caret: this.caretIn(start, stop) };
  }
  /** `{<literal>}` at or after `at`; null when absent or not literal. */
  protected literalGroup(at: number): { name: string; end: number; caret: boolean } | null {
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
  /** Moves past a name read by readName, closing a \lowercase delimiter it crossed. */
  protected consumeName(n: NameRead): void {
    this.p = n.end;
    for (let k = 0; k < n.crossed; k++) {
      if (this.delimiterAt(this.depth)) this.closeDelimiter();
      else {
        this.put('}');
        this.close();
      }
    }
  }
}

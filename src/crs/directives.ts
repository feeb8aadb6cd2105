// SecLang lexer: a configuration file's text -> directives (name, arguments, file:line:col), with ModSecurity's
// line continuations (a trailing `\`), `#` comment lines and Apache-style quoting.

export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A problem at a place in a file; the loader collects them and reports all at once. */
export interface SecLangProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export const where = (p: SecLangProblem): string => `${p.file}:${p.line}:${p.col}: ${p.message}`;

interface Logical {
  readonly text: string;
  readonly line: number;
}

/** Joins continued lines (`\` at the end) into logical lines, dropping comment and blank lines. */
function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  const lines = text.split(/\r?\n/);
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (buf === '') {
      const t = raw.trimStart();
      if (t === '' || t.startsWith('#')) continue;
      start = i + 1;
    }
    const trimmedEnd = raw.replace(/[ \t]+$/, '');
    if (trimmedEnd.endsWith('\\')) {
      buf += trimmedEnd.slice(0, -1);
      continue;
    }
    buf += raw;
    out.push({ text: buf, line: start });
    buf = '';
  }
  if (buf !== '') out.push({ text: buf, line: start });
  return out;
}

/**
 * Splits one logical line into words: whitespace separates, `"..."` or `'...'` groups, and inside quotes a
 * backslash escapes only the quote character (`\"` -> `"`); every other backslash is kept, as Apache's
 * ap_getword_conf keeps it, so regular expressions arrive unchanged.
 */
function words(s: string): { words: string[]; error: { col: number; message: string } | null } {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    const q = s[i];
    if (q === '"' || q === "'") {
      const open = i;
      i++;
      let w = '';
      for (;;) {
        if (i >= s.length) return { words: out, error: { col: open + 1, message: `unterminated ${q} quote` } };
        const c = s[i]!;
        if (c === '\\' && s[i + 1] === q) {
          w += q;
          i += 2;
          continue;
        }
        if (c === q) {
          i++;
          break;
        }
        w += c;
        i++;
      }
      out.push(w);
    } else {
      let w = '';
      while (i < s.length && s[i] !== ' ' && s[i] !== '\t') w += s[i++];
      out.push(w);
    }
  }
  return { words: out, error: null };
}

export function lexSecLang(text: string, file: string): { directives: Directive[]; problems: SecLangProblem[] } {
  const directives: Directive[] = [];
  const problems: SecLangProblem[] = [];
  for (const l of logicalLines(text)) {
    const indent = l.text.length - l.text.trimStart().length;
    const w = words(l.text);
    if (w.error !== null) {
      problems.push({ file, line: l.line, col: w.error.col, message: w.error.message });
      continue;
    }
    const [name, ...args] = w.words;
    if (name === undefined) continue;
    directives.push({ name, args, file, line: l.line, col: indent + 1 });
  }
  return { directives, problems };
}

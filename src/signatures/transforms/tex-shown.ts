// Text TeX only shows: `\verb|...|` in the text of a TikZ node, reached from the start of the code through
// nothing but TikZ it understands. Such text is typeset, never run, so rules need not read it as code
// (a diagram that shows `\verb|\write18|` is not an attack). Anything that could make it code again stops the
// reading, and every `\verb` after that point is code as before:
// - a `\verb` inside a macro's argument runs its text (the argument was read with ordinary category codes:
//   `\fbox{\verb|\input x|}`), and any control word before it in the node's text might be a macro taking it,
//   or its delimiter, as an argument: only plain characters and a few control symbols may come before it, and
//   only in the text of a `\node` statement (TikZ reads it in a box, not as an argument);
// - anything the scan does not know before it (a definition, a catcode change, \foreach, \tikzset, a `{` that
//   is not a node's text, a control word in a path) might change what `\verb`, `\node` or `{` mean;
// - carets anywhere (the normaliser decoded some), since TeX reads `^^` inside \verb as written.
// It assumes the compile service puts the code at the top of a document or inside a tikzpicture environment,
// never in a macro argument: `checks.signatures.shown_text` is off unless the operator says so.
// One pass over the text, each character looked at once.

import { isLetter } from './tex-chars.js';

const SPACE = /\s/;
/** Control symbols that take no argument and may stand before a `\verb` in a node's text. */
const SAFE_SYMBOLS = new Set(['\\', '%', '&', '#', '_', '$', ',', ' ', '{', '}']);
/**
 * Path commands: a statement up to `;`. Only `\node`'s own text is taken as shown (read in a box TikZ opens, as
 * checked in TeX Live: `\node {\verb|...|}` typesets the text), the first `{` of its statement.
 */
const PATHS = new Set(['draw', 'fill', 'filldraw', 'path', 'node', 'coordinate', 'clip', 'shade', 'shadedraw']);
const NODE_PATHS = new Set(['node']);
const ENVIRONMENTS = new Set(['tikzpicture', 'scope']);
/** Font switches, the only control words options may hold (`font=\ttfamily\small`): they take no argument. */
const FONT_SWITCHES = new Set([
  ...['ttfamily', 'rmfamily', 'sffamily', 'bfseries', 'mdseries', 'itshape', 'slshape', 'scshape', 'upshape'],
  ...['tiny', 'scriptsize', 'footnotesize', 'small', 'normalsize', 'large', 'Large', 'LARGE', 'huge', 'Huge'],
]);

/**
 * Where each shown `\verb` stands (the index of its backslash) and where its text ends (just past the closing
 * delimiter). Empty when none is reached.
 */
export function shownVerbs(t: string): Map<number, number> {
  const shown = new Map<number, number>();
  if (t.indexOf('\\verb') === -1) return shown;
  const n = t.length;
  let i = 0;
  let statement = false; // inside a path statement (up to its `;`)
  let nodeNext = false; // the next `{` of the statement is a node's text
  const word = (at: number): { name: string; end: number } => {
    let j = at + 1;
    if (j < n && isLetter(t.charCodeAt(j))) while (j < n && isLetter(t.charCodeAt(j))) j++;
    else j++;
    return { name: t.slice(at + 1, j), end: j };
  };
  const skipComment = (at: number): number => {
    let j = at;
    while (j < n && t.charCodeAt(j) !== 10 && t.charCodeAt(j) !== 13) j++;
    return j;
  };
  /** `[...]` at `at`: past its `]`, with plain text and balanced braces inside; -1 when not that. */
  const options = (at: number): number => {
    let depth = 0;
    for (let j = at + 1; j < n; j++) {
      const c = t.charCodeAt(j);
      if (c === 92 /* \ */) {
        // `font=\ttfamily`: a font switch takes no argument; any other control word may run anything
        const w = word(j);
        if (!FONT_SWITCHES.has(w.name)) return -1;
        j = w.end - 1;
        continue;
      }
      if (c === 37 /* % */ || c === 59 /* ; */) return -1;
      if (c === 123) depth++;
      else if (c === 125 && --depth < 0) return -1;
      else if (c === 93 /* ] */ && depth === 0) return j + 1;
    }
    return -1;
  };
  /** A node's text from just after its `{`: shown \verbs recorded; past its `}`, or -1 to stop. */
  const nodeText = (at: number): number => {
    let j = at;
    while (j < n) {
      const c = t.charCodeAt(j);
      if (c === 125) return j + 1;
      if (c === 123) return -1; // a group in the text: whatever it belongs to, stop
      if (c === 37) {
        j = skipComment(j);
        continue;
      }
      if (c !== 92) {
        j++;
        continue;
      }
      const w = word(j);
      if (w.name === 'verb') {
        let k = w.end;
        if (t.charCodeAt(k) === 42 /* * */) k++;
        const d = t.charCodeAt(k);
        // a delimiter TeX takes as one: not a letter, blank, star, brace, backslash or comment
        if (k >= n || isLetter(d) || SPACE.test(t[k]!) || d === 42 || d === 123 || d === 125 || d === 92 || d === 37)
          return -1;
        let e = k + 1;
        while (e < n && t.charCodeAt(e) !== d && t.charCodeAt(e) !== 10 && t.charCodeAt(e) !== 13) e++;
        if (e >= n || t.charCodeAt(e) !== d) return -1; // ended by the line: LaTeX's error, not shown text
        shown.set(j, e + 1);
        j = e + 1;
        continue;
      }
      if (w.name.length === 1 && SAFE_SYMBOLS.has(w.name)) {
        j = w.end;
        continue;
      }
      return -1; // a control word: it might take what follows as its argument
    }
    return -1;
  };

  while (i < n) {
    const c = t.charCodeAt(i);
    if (SPACE.test(t[i]!)) {
      i++;
    } else if (c === 37) {
      i = skipComment(i);
    } else if (statement && c === 59 /* ; */) {
      statement = false;
      nodeNext = false;
      i++;
    } else if (statement && c === 91 /* [ */) {
      i = options(i);
      if (i === -1) break;
    } else if (statement && c === 123) {
      if (!nodeNext) break; // a `{` that is not a node's text: a plot, a child, an argument...
      i = nodeText(i + 1);
      if (i === -1) break;
      nodeNext = false;
    } else if (statement && c !== 92 && c !== 125) {
      // path text: a node's name, `at`, coordinates. A `node` met later in a path is not taken: TikZ may
      // collect such nodes (after `to`, `edge`) as macro arguments, where \verb runs its text.
      i++;
    } else if (c === 92 && !statement) {
      const w = word(i);
      if (PATHS.has(w.name)) {
        statement = true;
        nodeNext = NODE_PATHS.has(w.name);
        i = w.end;
      } else if ((w.name === 'begin' || w.name === 'end') && t.charCodeAt(w.end) === 123) {
        const close = t.indexOf('}', w.end);
        if (close === -1 || !ENVIRONMENTS.has(t.slice(w.end + 1, close))) break;
        i = close + 1;
        if (w.name === 'begin' && t.charCodeAt(i) === 91) {
          i = options(i);
          if (i === -1) break;
        }
      } else break;
    } else break; // a control word in a path, a brace outside a statement, anything else
  }
  return shown;
}

// Finds the whole tikzpicture environments of a LaTeX source (a manual): each `\begin{tikzpicture}` with its
// matching `\end{tikzpicture}` (nested pictures stay inside their outer one), none that a `%` comments out.
// Used by scripts/texlive-docs-fp.mjs; test/unit/corpus/tikz-extract.test.ts holds it to its vectors.

const BEGIN = '\\begin{tikzpicture}';
const END = '\\end{tikzpicture}';

/** Whether the character at `at` sits after an unescaped `%` on its line (a comment). */
function commented(src, at) {
  const lineStart = src.lastIndexOf('\n', at - 1) + 1;
  for (let i = lineStart; i < at; i++) {
    const c = src.charCodeAt(i);
    if (c === 92)
      i++; // `\%` and any other control symbol
    else if (c === 37) return true;
  }
  return false;
}

/** The next begin or end marker from `from` that no comment hides: { at, begin } or null. */
function nextMarker(src, from) {
  for (let i = from; ;) {
    const b = src.indexOf(BEGIN, i);
    const e = src.indexOf(END, i);
    if (b === -1 && e === -1) return null;
    const at = b !== -1 && (e === -1 || b < e) ? b : e;
    if (!commented(src, at)) return { at, begin: at === b };
    i = at + 1;
  }
}

function lineOf(src, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The outermost tikzpicture environments of `src`, in order: { line, text }. An environment whose end is missing
 * is left out (the source is cut, or builds the end in a macro); so is an end with no begin.
 */
export function extractTikzPictures(src) {
  const out = [];
  let depth = 0;
  let start = -1;
  for (let m = nextMarker(src, 0); m !== null; m = nextMarker(src, m.at + 1)) {
    if (m.begin) {
      if (depth++ === 0) start = m.at;
    } else if (depth > 0 && --depth === 0) {
      out.push({ line: lineOf(src, start), text: src.slice(start, m.at + END.length) });
    }
  }
  return out;
}

/**
 * Why a picture is not a whole diagram a user could send, or null: a macro's parameter (`#1`: the picture is a
 * template inside a definition), or a `\begin`/`\end` of another environment left unbalanced inside it (the
 * picture was cut across an environment the extractor cannot see whole).
 */
export function notWhole(text) {
  if (/(?<!\\)#+[1-9]/.test(text)) return 'macro parameter (a template inside a definition)';
  const opened = new Map();
  for (const m of text.matchAll(/\\(begin|end)\s*\{([^{}]*)\}/g)) {
    const n = opened.get(m[2]) ?? 0;
    opened.set(m[2], m[1] === 'begin' ? n + 1 : n - 1);
  }
  for (const [name, n] of opened) if (n !== 0) return `unbalanced environment ${name}`;
  return null;
}

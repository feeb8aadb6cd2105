// Extracts the code examples (`codeexample` environments) of the PGF/TikZ manual sources, with their
// `preamble={...}` option, as the false-positive corpus. The sources are fetched by scripts/fetch-pgf-manual.sh.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CodeSample {
  /** `<file>:<line>` of the `\begin{codeexample}`. */
  readonly id: string;
  /** The example's options text (between the brackets), '' when none. */
  readonly options: string;
  /** What the manual compiles: the preamble option's content, then the example's body. */
  readonly text: string;
}

export function pgfManualDir(): string {
  return (
    process.env.PGF_MANUAL_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'portcullis', 'pgf-manual')
  );
}

export function hasPgfManual(dir = pgfManualDir()): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => /^pgfmanual-en-.*\.tex$/.test(f));
}

/** Reads a balanced `{...}` or `[...]` group starting at `open`; returns the index after the closer, or -1. */
function balanced(src: string, open: number, openCh: string, closeCh: string): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh && --depth === 0) return i + 1;
  }
  return -1;
}

/** The value of `key={...}` in an options string, or ''. */
export function optionGroup(options: string, key: string): string {
  const m = new RegExp(`(?:^|[,\\s])${key}\\s*=\\s*\\{`).exec(options);
  if (m === null) return '';
  const open = m.index + m[0].length - 1;
  const end = balanced(options, open, '{', '}');
  return end === -1 ? '' : options.slice(open + 1, end - 1);
}

function lineOf(src: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

export function extractSamples(file: string, src: string): CodeSample[] {
  const out: CodeSample[] = [];
  const begin = '\\begin{codeexample}';
  const end = '\\end{codeexample}';
  let at = src.indexOf(begin);
  while (at !== -1) {
    let i = at + begin.length;
    let options = '';
    if (src[i] === '[') {
      const close = balanced(src, i, '[', ']');
      if (close === -1) break;
      options = src.slice(i + 1, close - 1);
      i = close;
    }
    const stop = src.indexOf(end, i);
    if (stop === -1) break;
    let body = src.slice(i, stop);
    if (body.startsWith('\n')) body = body.slice(1);
    const preamble = optionGroup(options, 'preamble');
    const text = preamble === '' ? body : `${preamble}\n${body}`;
    out.push({ id: `${file}:${lineOf(src, at)}`, options, text });
    at = src.indexOf(begin, stop + end.length);
  }
  return out;
}

/**
 * Whether a code example is TeX. The manual marks the others `tikz syntax=false` (shell sessions, gnuplot
 * scripts, data files, Lua and C sources of the graph-drawing layer): no compile request sends them, and a
 * false-positive rate over them measures nothing (issue 16: what is not a diagram is the extractor's to drop).
 */
export function isTexSample(s: CodeSample): boolean {
  return !/(?:^|[,\s])tikz syntax\s*=\s*false/.test(s.options);
}

export function loadPgfManual(dir = pgfManualDir()): CodeSample[] {
  const files = readdirSync(dir)
    .filter((f) => /^pgfmanual.*\.tex$/.test(f))
    .sort();
  return files.flatMap((f) => extractSamples(f, readFileSync(join(dir, f), 'utf8')));
}

// @ts-check
// One compile: TikZ code -> standalone document -> latex (DVI) -> dvisvgm -> SVG, in a fresh directory that is
// removed afterwards, with the outcome (ok, tex_error, timeout, memory, too_large) told apart.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { runStep } from './run.mjs';

/**
 * @typedef {'ok' | 'tex_error' | 'timeout' | 'memory' | 'too_large'} Outcome
 */

/**
 * @typedef {object} CompileSettings
 * @property {string} workDir      the service's directory; each job gets a fresh subdirectory of it
 * @property {boolean} weakened    tests only: openin_any=a, restricted shell escape, every dvisvgm special
 * @property {number} timeoutMs    wall clock for both steps together
 * @property {number} memoryMb     RLIMIT_AS of each step's processes
 * @property {number} cpuSeconds   RLIMIT_CPU of each step's processes
 * @property {number} maxSvgBytes  the largest SVG answered
 * @property {number} maxJobBytes  the most a job's directory may hold (every file TeX writes counts)
 */

/**
 * @typedef {object} CompileResult
 * @property {Outcome} outcome
 * @property {number} wallMs
 * @property {number} cpuMs
 * @property {Buffer} [svg]        when outcome is ok
 * @property {string} [message]    what went wrong, with no path of this server in it
 * @property {number} [line]       tex_error: the line of the submitted code the error was reported at
 */

/** How often the job directory's size is looked at while a step runs. */
const DISK_POLL_MS = 200;

/** How a process that the rlimits stopped shows itself. */
const SIGXCPU = 24;
const SIGXFSZ = 25;
const SIGKILL = 9;
/** kpathsea's xmalloc, dvisvgm's catch-all, an errno text: each at the start of a line, as the tools print them. */
const MEMORY_TEXT = /^\s*(?:fatal: memory exhausted|ERROR: std::bad_alloc|.*: Cannot allocate memory$)/m;

/**
 * The document: the code as-is when it holds a picture of its own (`\begin{tikzpicture}` or `\tikz`), else
 * inside one tikzpicture environment. PGF draws through its dvisvgm driver (SVG specials, no PostScript).
 * @param {string} code
 * @returns {{ tex: string; firstCodeLine: number }}
 */
export function wrapDocument(code) {
  const hasPicture = /\\begin\s*\{tikzpicture\}|\\tikz(?![A-Za-z@])/.test(code);
  const head = ['\\def\\pgfsysdriver{pgfsys-dvisvgm.def}', '\\documentclass[tikz]{standalone}', '\\begin{document}'];
  if (!hasPicture) head.push('\\begin{tikzpicture}');
  const tail = hasPicture ? ['\\end{document}'] : ['\\end{tikzpicture}', '\\end{document}'];
  return { tex: `${[...head, code, ...tail].join('\n')}\n`, firstCodeLine: head.length + 1 };
}

/**
 * Replaces paths of this server in a message: the job and service directories by `.` and `..`, then any other
 * absolute path (TeX Live's tree, a home directory) by its last component.
 * @param {string} text
 * @param {string} jobDir
 * @param {string} workDir
 */
export function scrubPaths(text, jobDir, workDir) {
  return text
    .split(jobDir)
    .join('.')
    .split(workDir)
    .join('..')
    .replace(/(^|[\s`'"([{=<])\/(?:[^\s/`'"()[\]{}<>]+\/)+([^\s/`'"()[\]{}<>]+)/g, '$1$2');
}

/**
 * The first error of a TeX log (`! ...`) and the line of the document it names (`l.N`).
 * @param {string} log
 * @returns {{ message: string; texLine: number | null } | null}
 */
export function firstTexError(log) {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => l.startsWith('! '));
  if (at < 0) return null;
  let texLine = null;
  for (const l of lines.slice(at + 1, at + 40)) {
    const m = /^l\.(\d+)/.exec(l);
    if (m) {
      texLine = Number(m[1]);
      break;
    }
  }
  return { message: (lines[at] ?? '').slice(0, 500).trimEnd(), texLine };
}

/**
 * What ended a failed step, when it was the limits rather than the input.
 * @param {import('./run.mjs').StepResult} r
 * @param {number} cpuSeconds
 * @returns {Outcome | null}
 */
function limitOutcome(r, cpuSeconds) {
  if (r.timedOut) return 'timeout';
  if (r.status === 0) return null;
  if (r.signal === SIGXCPU) return 'timeout';
  if (r.signal === SIGXFSZ) return 'too_large';
  if (r.signal === SIGKILL && r.cpuMs >= cpuSeconds * 1000 - 50) return 'timeout'; // the hard CPU limit
  // What the tool wrote to stderr: kpathsea's `fatal: memory exhausted`, dvisvgm's `ERROR: std::bad_alloc`
  // (TeX's own \message and \write go to stdout, which is discarded, so TeX code cannot fake this).
  if (MEMORY_TEXT.test(r.output)) return 'memory';
  // Any other death by signal (SIGSEGV when the stack cannot grow under RLIMIT_AS, SIGABRT from an allocator,
  // SIGKILL from the kernel's OOM killer) is counted as memory: nothing else here kills a step by signal.
  if (r.signal !== null) return 'memory';
  return null;
}

/**
 * The environment of a step: nothing of the server's own (no secrets, no HOME), kpathsea's file-access rules,
 * and long log lines so that no path or message is wrapped.
 * @param {string} jobDir
 * @param {boolean} weakened
 * @returns {Record<string, string>}
 */
function stepEnv(jobDir, weakened) {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: jobDir,
    LC_ALL: 'C',
    openin_any: weakened ? 'a' : 'p',
    openout_any: 'p',
    shell_escape: weakened ? 'p' : 'f',
    max_print_line: '1000',
    error_line: '254',
    half_error_line: '238',
    file_line_error_style: 'f',
  };
}

/**
 * Compiles one piece of TikZ code.
 * @param {string} code
 * @param {CompileSettings} s
 * @param {{ signal?: AbortSignal; onSpawn?: (pgid: number) => void }} [hooks]
 * @returns {Promise<CompileResult>}
 */
export async function compileTikz(code, s, hooks = {}) {
  const started = Date.now();
  const deadline = started + s.timeoutMs;
  const jobDir = await mkdtemp(join(s.workDir, 'job-'));
  let cpuMs = 0;
  /** @param {Omit<CompileResult, 'wallMs' | 'cpuMs'>} r @returns {CompileResult} */
  const done = (r) => ({ ...r, wallMs: Date.now() - started, cpuMs });
  // RLIMIT_FSIZE caps each file, not how many TeX opens (\openout in a loop): the directory's total is watched,
  // and a job past it is stopped like a timeout and answered as too_large.
  const overDisk = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, overDisk.signal]) : overDisk.signal;
  let polling = false;
  const diskWatch = setInterval(() => {
    if (polling) return;
    polling = true;
    void dirBytes(jobDir)
      .then((n) => {
        if (n > s.maxJobBytes) overDisk.abort();
      })
      .finally(() => {
        polling = false;
      });
  }, DISK_POLL_MS);
  /** @returns {Omit<CompileResult, 'wallMs' | 'cpuMs'>} */
  const abortedResult = () =>
    overDisk.signal.aborted
      ? { outcome: 'too_large', message: limitMessage('too_large', 'latex', s) }
      : { outcome: 'timeout', message: 'aborted' };
  try {
    const { tex, firstCodeLine } = wrapDocument(code);
    await writeFile(join(jobDir, 'job.tex'), tex);
    const env = stepEnv(jobDir, s.weakened);
    const asBytes = s.memoryMb * 1024 * 1024;

    const latex = await runStep({
      argv: [
        'latex',
        s.weakened ? '-shell-restricted' : '-no-shell-escape',
        '-interaction=nonstopmode',
        '-halt-on-error',
        'job.tex',
      ],
      cwd: jobDir,
      env,
      limits: { asBytes, cpuSeconds: s.cpuSeconds, fsizeBytes: s.maxJobBytes },
      deadline,
      signal,
      ...(hooks.onSpawn ? { onSpawn: hooks.onSpawn } : {}),
    });
    cpuMs += latex.cpuMs;
    if (latex.aborted) return done(abortedResult());
    const log = await readFile(join(jobDir, 'job.log'), 'latin1').catch(() => '');
    const latexLimit = limitOutcome(latex, s.cpuSeconds);
    if (latexLimit) return done({ outcome: latexLimit, message: limitMessage(latexLimit, 'latex', s) });
    if (latex.status !== 0) {
      const err = firstTexError(log);
      const line = err?.texLine != null ? err.texLine - firstCodeLine + 1 : undefined;
      return done({
        outcome: 'tex_error',
        message: scrubPaths(err?.message ?? '! LaTeX stopped without an error line in its log', jobDir, s.workDir),
        ...(line !== undefined && line >= 1 && line <= code.split('\n').length ? { line } : {}),
      });
    }
    if (!(await exists(join(jobDir, 'job.dvi')))) {
      return done({ outcome: 'tex_error', message: '! No pages of output (the code drew nothing).' });
    }

    const dvisvgm = await runStep({
      argv: [
        'dvisvgm',
        '--no-fonts',
        '--page=1',
        // Hardened: no PostScript (Ghostscript), no PDF (font map files), no hyperref links, no emTeX; TikZ's
        // dvisvgm driver needs only the dvisvgm, color and papersize specials. Not `tpic` in this list: with
        // it, dvisvgm 3.0.3 ignored the whole list and html links came through (test/integration/compile-service).
        ...(s.weakened ? [] : ['--no-specials=ps,pdf,html,em']),
        '--output=job.svg',
        'job.dvi',
      ],
      cwd: jobDir,
      env,
      // One byte over the cap: a bigger SVG makes dvisvgm die of SIGXFSZ instead of filling the disk.
      limits: { asBytes, cpuSeconds: s.cpuSeconds, fsizeBytes: s.maxSvgBytes + 1 },
      deadline,
      signal,
      ...(hooks.onSpawn ? { onSpawn: hooks.onSpawn } : {}),
    });
    cpuMs += dvisvgm.cpuMs;
    if (dvisvgm.aborted) return done(abortedResult());
    const svgSize = (await stat(join(jobDir, 'job.svg')).catch(() => null))?.size ?? null;
    const dvLimit = limitOutcome(dvisvgm, s.cpuSeconds);
    if (dvLimit === 'too_large' || (svgSize !== null && svgSize > s.maxSvgBytes)) {
      return done({ outcome: 'too_large', message: limitMessage('too_large', 'dvisvgm', s) });
    }
    if (dvLimit) return done({ outcome: dvLimit, message: limitMessage(dvLimit, 'dvisvgm', s) });
    if (dvisvgm.status !== 0 || svgSize === null || svgSize === 0) {
      const errLine = dvisvgm.output.split('\n').find((l) => /ERROR/.test(l)) ?? 'dvisvgm produced no SVG';
      return done({ outcome: 'tex_error', message: scrubPaths(`! dvisvgm: ${errLine.trim()}`, jobDir, s.workDir) });
    }
    const svg = await readFile(join(jobDir, 'job.svg'));
    return done({ outcome: 'ok', svg });
  } finally {
    clearInterval(diskWatch);
    await rm(jobDir, { recursive: true, force: true });
  }
}

/**
 * @param {Outcome} outcome
 * @param {string} step
 * @param {CompileSettings} s
 */
function limitMessage(outcome, step, s) {
  switch (outcome) {
    case 'timeout':
      return `${step} ran out of time (wall ${s.timeoutMs} ms or CPU ${s.cpuSeconds} s)`;
    case 'memory':
      return `${step} ran out of memory (limit ${s.memoryMb} MB)`;
    case 'too_large':
      return `the output is over the cap (SVG ${s.maxSvgBytes} bytes, the job's files ${s.maxJobBytes} bytes)`;
    default:
      return step;
  }
}

/**
 * The bytes of the files in a directory (TeX writes no subdirectories).
 * @param {string} dir
 */
async function dirBytes(dir) {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [])) {
    total += (await stat(join(dir, name)).catch(() => null))?.size ?? 0;
  }
  return total;
}

/** @param {string} p */
async function exists(p) {
  return (await stat(p).catch(() => null)) !== null;
}

// Test helper: the reference compile service (examples/compile-service) on real TeX Live, and the suite guard.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe } from 'vitest';
import {
  startCompileService as startService,
  type CompileService,
  type CompileServiceOptions,
} from '../../examples/compile-service/server.mjs';

export type { CompileService, CompileServiceOptions };

function ok(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/**
 * latex and kpsewhich (texlive-latex-base), TikZ (texlive-pictures), standalone.cls (texlive-latex-extra) and
 * dvisvgm (dvisvgm): what the compile service runs (scripts/install-test-deps.sh installs them).
 */
export const HAVE_TEX =
  ok('latex', ['--version']) &&
  ok('dvisvgm', ['--version']) &&
  ok('kpsewhich', ['tikz.sty']) &&
  ok('kpsewhich', ['standalone.cls']) &&
  ok('prlimit', ['--version']);

/**
 * `describe` for suites that compile real TeX. Under CI=true missing TeX fails the file; locally the suite is
 * skipped with a loud message.
 */
export const describeWithTex = ((): typeof describe | typeof describe.skip => {
  if (HAVE_TEX) return describe;
  if (process.env.CI === 'true') {
    throw new Error(
      'latex/dvisvgm/tikz.sty/standalone.cls not found and CI=true: install Debian packages texlive-latex-base ' +
        'texlive-pictures texlive-latex-extra dvisvgm (scripts/install-test-deps.sh)',
    );
  }
  console.warn(
    '\n*** TeX Live (latex, dvisvgm, TikZ, standalone) not found: SKIPPING compile-service suites ' +
      '(apt-get install -y --no-install-recommends texlive-latex-base texlive-pictures texlive-latex-extra dvisvgm) ***\n',
  );
  return describe.skip;
})();

/** The reference compile service on 127.0.0.1, a free port, with the given limits. */
export function startCompileService(opts: CompileServiceOptions = {}): Promise<CompileService> {
  return startService({ host: '127.0.0.1', port: 0, ...opts });
}

export interface CompileAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly outcome: string | null;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly text: string;
}

/** POSTs TikZ code to /compile as JSON (or as a form) and reads the whole answer. */
export async function compile(
  svc: { url: string },
  code: string,
  as: 'json' | 'form' = 'json',
  signal?: AbortSignal,
): Promise<CompileAnswer> {
  const init: RequestInit =
    as === 'json'
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tikz_code: code }) }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ tikz_code: code }).toString(),
        };
  const res = await fetch(`${svc.url}/compile`, { ...init, ...(signal ? { signal } : {}) });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    outcome: res.headers.get('x-compile-outcome'),
    wallMs: Number(res.headers.get('x-compile-wall-ms')),
    cpuMs: Number(res.headers.get('x-compile-cpu-ms')),
    text,
  };
}

export interface JobProcess {
  readonly pid: number;
  readonly pgrp: number;
  readonly comm: string;
}

/** Processes whose working directory is inside dir (the compile service's job directories), from /proc. */
export function processesUnder(dir: string): JobProcess[] {
  const found: JobProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (!cwd.startsWith(`${dir}/`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie holds nothing
      found.push({ pid: Number(name), pgrp: Number(fields[2]), comm });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Polls until a process named comm runs inside dir; throws after limitMs. */
export async function waitForProcess(dir: string, comm: string, limitMs = 10_000): Promise<JobProcess> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const p = processesUnder(dir).find((x) => x.comm === comm);
    if (p) return p;
    if (Date.now() > deadline) throw new Error(`no ${comm} process appeared under ${dir} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True while any process of the group is alive; zombies (dead, waiting for their reaper) do not count. */
export function groupAlive(pgrp: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgrp && fields[0] !== 'Z') return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

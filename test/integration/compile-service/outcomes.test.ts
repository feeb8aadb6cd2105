// The reference compile service's answers: each outcome (ok, tex_error, timeout, memory, too_large) with its
// status and X-Compile-* headers, the limits really applied to the TeX process, the concurrency cap, bodies.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  compile,
  describeWithTex,
  groupAlive,
  processesUnder,
  startCompileService,
  waitForProcess,
  type CompileService,
} from '../../helpers/compile-service.js';

/** A few compiles per test: seconds each on a loaded 2-core machine (the suite runs files in parallel). */
const COMPILE_TEST_MS = 60_000;

const DIAGRAM = String.raw`\draw[thick,->] (0,0) -- (2,1) node[right] {$x^2$};
\fill[red] (0,0) circle (2pt);`;
/** Never ends: TeX loops without allocating, so only the clock (or the CPU rlimit) stops it. */
const ENDLESS = String.raw`\loop\iftrue\repeat`;
/**
 * A small DVI that dvisvgm blows up in memory: 1,000 empty groups stored once, inserted 3,000 times (3 million
 * XML nodes). dvisvgm's allocation fails under RLIMIT_AS (std::bad_alloc) well before the SVG is written.
 */
const MEMORY_BOMB = String.raw`\draw (0,0) rectangle (1,1);
\def\a{<g></g>}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}
\special{dvisvgm:rawset bomb}\special{dvisvgm:raw \a}\special{dvisvgm:endrawset}
\count255=0 \loop\special{dvisvgm:rawput bomb}\advance\count255 by 1 \ifnum\count255<3000 \repeat`;

function jobDirs(svc: CompileService): string[] {
  return readdirSync(svc.workDir).filter((n) => n.startsWith('job-'));
}

describeWithTex('compile service: outcomes', { timeout: COMPILE_TEST_MS }, () => {
  let svc: CompileService;
  beforeAll(async () => {
    svc = await startCompileService({ timeoutMs: 20_000, maxSvgBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('a TikZ diagram (JSON body) compiles to SVG: outcome ok, wall and CPU milliseconds', async () => {
    const r = await compile(svc, DIAGRAM);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/svg+xml');
    expect(r.outcome).toBe('ok');
    expect(r.headers.get('x-compile-wall-ms')).toMatch(/^\d+$/);
    expect(r.headers.get('x-compile-cpu-ms')).toMatch(/^\d+$/);
    // latex alone spends well over 20 ms of CPU starting up; CPU of two sequential steps cannot pass their wall
    // time by more than the cores allow.
    expect(r.cpuMs).toBeGreaterThan(20);
    expect(r.wallMs).toBeGreaterThan(0);
    expect(r.cpuMs).toBeLessThan(r.wallMs * 2 + 50);
    expect(r.text).toMatch(/^<\?xml[^>]*\?>\s*(<!--[^>]*-->\s*)?<svg /);
    // Glyphs are outlines referenced with <use>, and the arrow is a path.
    expect(r.text).toMatch(/<use [^>]*href='#g/);
    expect(r.text).toContain('<path');
    expect(jobDirs(svc)).toEqual([]); // the job's directory is gone
  });

  it('a form body compiles the same, and code with its own tikzpicture is taken as-is', async () => {
    const [form, own, inline] = await Promise.all([
      compile(svc, DIAGRAM, 'form'),
      compile(svc, `\\begin{tikzpicture}\n${DIAGRAM}\n\\end{tikzpicture}`),
      compile(svc, String.raw`\usetikzlibrary{arrows.meta}\tikz \draw[-{Stealth}] (0,0) -- (1,0);`),
    ]);
    for (const r of [form, own, inline]) expect([r.status, r.outcome]).toEqual([200, 'ok']);
  });

  it('a TeX error answers 422 with the first error line and the line of the code, no path of the server', async () => {
    const r = await compile(svc, `\\draw (0,0) -- (1,1);\n\\draw (0,0) -- (2,2) node {\\nosuchmacro};`);
    expect(r.status).toBe(422);
    expect(r.outcome).toBe('tex_error');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ outcome: 'tex_error', error: '! Undefined control sequence.', line: 2 });
    expect(Number.isInteger(r.cpuMs) && r.cpuMs > 0).toBe(true);

    // An error line that carries this server's directories: they are scrubbed.
    const leak = await compile(
      svc,
      `\\errmessage{\\detokenize{${svc.workDir}/job-x/job.tex and /usr/share/texlive/x.sty}}`,
    );
    expect(leak.status).toBe(422);
    const body = JSON.parse(leak.text) as { error: string };
    expect(body.error).toBe('! ../job-x/job.tex and x.sty.');
    expect(leak.text).not.toContain(svc.workDir);
    expect(leak.text).not.toContain('/usr/share');
  });

  it('code that ships no page is a TeX error, not an empty answer', async () => {
    // Mentions \tikz (so it is taken as-is, not wrapped in a picture) but only in a comment: no page at all.
    const r = await compile(svc, '% \\tikz is only mentioned here');
    expect(r.status).toBe(422);
    expect(JSON.parse(r.text)).toEqual({
      outcome: 'tex_error',
      error: '! No pages of output (the code drew nothing).',
    });
  });

  it('output over the SVG cap: 502, outcome too_large', async () => {
    const small = await startCompileService({ maxSvgBytes: 4096 });
    try {
      const fits = await compile(small, DIAGRAM);
      expect([fits.status, fits.outcome]).toEqual([200, 'ok']);
      expect(fits.text.length).toBeLessThanOrEqual(4096);
      // 200 lines, about 60 bytes of SVG each.
      const r = await compile(small, String.raw`\foreach \i in {1,...,200} \draw (\i/20,0) -- (\i/20,1);`);
      expect(r.status).toBe(502);
      expect(r.outcome).toBe('too_large');
      expect(JSON.parse(r.text)).toMatchObject({ outcome: 'too_large' });
      expect(jobDirs(small)).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('TeX writing file after file: the job directory cap stops it, 502 too_large', async () => {
    const capped = await startCompileService({ maxJobBytes: 1024 * 1024, timeoutMs: 30_000 });
    try {
      // 200 files of 100 kB each (20 MB) through \openout: each file is under RLIMIT_FSIZE, their sum is not.
      const r = await compile(
        capped,
        String.raw`\def\a{xxxxxxxxxx}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}
\edef\a{\a\a\a\a\a\a\a\a\a\a}\newwrite\f\count255=0
\loop\immediate\openout\f=f\the\count255.txt \immediate\write\f{\a\a\a\a\a\a\a\a\a\a}\immediate\closeout\f
\advance\count255 by 1 \ifnum\count255<200 \repeat \draw (0,0) -- (1,1);`,
      );
      expect(r.status).toBe(502);
      expect(r.outcome).toBe('too_large');
      expect(r.wallMs).toBeLessThan(30_000);
      expect(jobDirs(capped)).toEqual([]);
    } finally {
      await capped.close();
    }
  });

  it('malformed requests: 400, 415, 405, 404, and none carries a compile outcome', async () => {
    const post = (body: string, type: string) =>
      fetch(`${svc.url}/compile`, { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [Promise<Response>, number][] = [
      [post('{"tikz_code":', 'application/json'), 400],
      [post('["x"]', 'application/json'), 400],
      [post('{"tikz_code":42}', 'application/json'), 400],
      [post('{"code":"x"}', 'application/json'), 400],
      [post('{"tikz_code":"  "}', 'application/json'), 400],
      [post('tikz_code=a&tikz_code=b', 'application/x-www-form-urlencoded'), 400],
      [post('tikz_code=x', 'text/plain'), 415],
      [fetch(`${svc.url}/compile`), 405],
      [fetch(`${svc.url}/nope`), 404],
    ];
    for (const [p, status] of cases) {
      const res = await p;
      await res.text();
      expect(res.status).toBe(status);
      expect(res.headers.get('x-compile-outcome')).toBeNull();
    }
    const bad = await fetch(`${svc.url}/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0xff, 0x7d]),
    });
    expect(bad.status).toBe(400);
    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', active: 0, concurrency: 5, weakened: false });
  });
});

describeWithTex('compile service: limits', { timeout: COMPILE_TEST_MS }, () => {
  it('timeout: 504, outcome timeout, and the whole process group is gone; limits and netns really applied', async () => {
    // 3 s: time enough to find the latex process and read its limits before the kill, on a loaded machine.
    const svc = await startCompileService({ timeoutMs: 3000, memoryMb: 250, cpuSeconds: 7 });
    try {
      const answer = compile(svc, ENDLESS);
      const latex = await waitForProcess(svc.workDir, 'latex');
      // The rlimits and the network namespace of the running TeX process, as the kernel reports them.
      const limits = readFileSync(`/proc/${latex.pid}/limits`, 'utf8');
      expect(limits).toMatch(new RegExp(`Max address space\\s+${250 * 1024 * 1024}\\s+${250 * 1024 * 1024}`));
      expect(limits).toMatch(/Max cpu time\s+7\s+8\s+seconds/);
      expect(limits).toMatch(/Max core file size\s+0\s+0/);
      const health = (await (await fetch(`${svc.url}/healthz`)).json()) as { network: string };
      const isolated = health.network.startsWith('isolated');
      const sameNet = readlinkSync(`/proc/${latex.pid}/ns/net`) === readlinkSync('/proc/self/ns/net');
      expect(sameNet).toBe(!isolated);
      expect(groupAlive(latex.pgrp)).toBe(true);

      const r = await answer;
      expect(r.status).toBe(504);
      expect(r.outcome).toBe('timeout');
      expect(r.wallMs).toBeGreaterThanOrEqual(3000);
      expect(r.wallMs).toBeLessThan(12_000);
      expect(r.cpuMs).toBeGreaterThan(0); // sampled from /proc before the kill
      expect(groupAlive(latex.pgrp)).toBe(false);
      expect(processesUnder(svc.workDir)).toEqual([]);
      expect(jobDirs(svc)).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('the CPU rlimit stops a loop before the wall clock does: outcome timeout', async () => {
    const svc = await startCompileService({ timeoutMs: 30_000, cpuSeconds: 1 });
    try {
      const r = await compile(svc, ENDLESS);
      expect(r.status).toBe(504);
      expect(r.outcome).toBe('timeout');
      // SIGXCPU comes at 1 s of CPU as the scheduler counts it; rusage (tick-sampled) has read 0.9 s for that.
      expect(r.cpuMs).toBeGreaterThanOrEqual(800);
      expect(r.wallMs).toBeLessThan(30_000);
    } finally {
      await svc.close();
    }
  });

  it('memory: a diagram that makes dvisvgm allocate past RLIMIT_AS answers 507, outcome memory', async () => {
    const svc = await startCompileService({ memoryMb: 200, timeoutMs: 30_000 });
    try {
      // The same limit is enough for an ordinary diagram: the kill is the diagram's doing.
      const fine = await compile(svc, DIAGRAM);
      expect([fine.status, fine.outcome]).toEqual([200, 'ok']);
      const r = await compile(svc, MEMORY_BOMB);
      expect(r.status).toBe(507);
      expect(r.outcome).toBe('memory');
      expect(JSON.parse(r.text)).toEqual({ outcome: 'memory', error: 'dvisvgm ran out of memory (limit 200 MB)' });
    } finally {
      await svc.close();
    }
  });

  it('memory: latex itself under a limit it cannot start in (kpathsea: fatal: memory exhausted) is memory too', async () => {
    // latex maps about 120 MB before it reads a line here; under 64 MB its allocation fails, whatever the code.
    const svc = await startCompileService({ memoryMb: 64 });
    try {
      const r = await compile(svc, DIAGRAM);
      expect([r.status, r.outcome]).toEqual([507, 'memory']);
      expect(JSON.parse(r.text)).toEqual({ outcome: 'memory', error: 'latex ran out of memory (limit 64 MB)' });
    } finally {
      await svc.close();
    }
  });

  it('the concurrency cap holds: compiles past it get 503 at once, and a slot freed is used again', async () => {
    const svc = await startCompileService({ concurrency: 2, timeoutMs: 60_000 });
    const health = async () => (await (await fetch(`${svc.url}/healthz`)).json()) as { active: number };
    // Two endless compiles hold both slots until their clients go away.
    const clients = [new AbortController(), new AbortController()];
    const slow = clients.map((c) => compile(svc, ENDLESS, 'json', c.signal).catch(() => 'aborted'));
    try {
      const deadline = Date.now() + 20_000;
      while (processesUnder(svc.workDir).filter((p) => p.comm === 'latex').length < 2) {
        if (Date.now() > deadline) throw new Error('two latex processes never ran at once');
        await new Promise((r) => setTimeout(r, 20));
      }
      const t0 = Date.now();
      const busy = await compile(svc, DIAGRAM);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.outcome).toBeNull();
      expect(Date.now() - t0).toBeLessThan(2000); // refused, not queued
      expect(processesUnder(svc.workDir).filter((p) => p.comm === 'latex')).toHaveLength(2);
      expect((await health()).active).toBe(2);

      // One client goes away: its slot comes back and the next compile gets it, while the other still runs.
      clients[0]!.abort();
      expect(await slow[0]).toBe('aborted');
      while ((await health()).active !== 1) await new Promise((r) => setTimeout(r, 20));
      const after = await compile(svc, DIAGRAM);
      expect([after.status, after.outcome]).toEqual([200, 'ok']);
      expect((await health()).active).toBe(1);
    } finally {
      for (const c of clients) c.abort();
      await Promise.all(slow);
      await svc.close();
    }
  });

  it('a client that goes away stops its compile', async () => {
    const svc = await startCompileService({ timeoutMs: 20_000 });
    try {
      const ac = new AbortController();
      const pending = compile(svc, ENDLESS, 'json', ac.signal).catch((e: unknown) => e);
      const latex = await waitForProcess(svc.workDir, 'latex');
      ac.abort();
      await pending;
      const deadline = Date.now() + 5000;
      while (groupAlive(latex.pgrp) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(groupAlive(latex.pgrp)).toBe(false);
    } finally {
      await svc.close();
    }
  });
});

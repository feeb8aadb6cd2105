// Reload soak, bounded: 500 reloads of a real gateway under light load keep RSS flat and drop no request
// (each reload used to compile every rule again into native RE2 memory V8 never felt; see compile-cache.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

// A full collection before each sample, so RSS shows what is retained, not garbage waiting for a GC.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RELOADS = 500;
/** Checked every this many reloads, so a leak fails early instead of running into the time limit. */
const SAMPLE_EVERY = 50;
/**
 * Growth allowed after the first reload. Generous: RSS moves by a few MB with allocator and JIT noise; before
 * the compile cache 500 reloads grew it by well over 200 MB (figures in the commit that added this test).
 */
const MAX_GROWTH_BYTES = 64 * 1024 * 1024;
const DEADLINE_MS = 50_000;

const TIKZ = JSON.stringify({ tikz_code: '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}' });

/** The config alternates one harmless setting, so every other reload swaps in a config that differs. */
function config(upstream: string, i: number): string {
  return baseConfig(
    upstream,
    `${COMPILE_ROUTE}checks:\n  headers:\n    forbid: [x-never-sent-${i % 2}]\n  signatures:\n    mode: enforce\n`,
  );
}

function rss(): number {
  gc();
  return process.memoryUsage().rss;
}

describe('reload soak (in-process)', () => {
  let up: TestUpstream;
  let t: TestGateway;
  const agent = new Agent({ connections: 2 });
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(config(up.url, 0));
  });
  afterAll(async () => {
    await agent.close();
    await t?.close();
    await up?.close();
  });

  it(`${RELOADS} reloads under load: RSS within ${MAX_GROWTH_BYTES >> 20} MB of after the first, no request dropped`, async () => {
    const started = Date.now();
    const unexpected: string[] = [];
    let sent = 0;
    let done = false;
    // Two clients, loopback, until the reloads are over (bounded by count and time as well).
    const client = async (n: number) => {
      while (!done && sent < 50_000 && Date.now() - started < DEADLINE_MS) {
        sent++;
        const compile = (sent + n) % 2 === 0;
        const res = await request(`${t.url}${compile ? '/compile' : '/health'}`, {
          method: compile ? 'POST' : 'GET',
          headers: compile ? { 'content-type': 'application/json' } : {},
          body: compile ? TIKZ : undefined,
          dispatcher: agent,
        });
        await res.body.dump();
        if (res.statusCode !== 200)
          unexpected.push(`${compile ? 'POST /compile' : 'GET /health'} -> ${res.statusCode}`);
      }
    };
    const load = Promise.all([client(0), client(1)]);
    const samples: { reload: number; rss: number }[] = [];
    let first = 0;
    try {
      for (let i = 1; i <= RELOADS; i++) {
        await t.write(config(up.url, i));
        const r = await t.gw.reload();
        expect(r.ok).toBe(true);
        if (i === 1 || i % SAMPLE_EVERY === 0) {
          const now = rss();
          if (i === 1) first = now;
          samples.push({ reload: i, rss: now });
          const figures = samples.map((s) => `${s.reload}: ${(s.rss / 1048576).toFixed(0)} MB`).join(', ');
          expect(now - first, `RSS after reloads ${figures}`).toBeLessThanOrEqual(MAX_GROWTH_BYTES);
        }
        expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
      }
    } finally {
      done = true;
      await load;
    }
    expect(unexpected).toEqual([]);
    expect(sent).toBeGreaterThan(RELOADS); // the load really ran alongside
  }, 60_000);
});

// Compile outcomes with the real reference compile service (examples/compile-service, TeX Live + dvisvgm) behind
// the gateway: an ok compile with its wall and CPU time, a TeX error, a timeout (an endless loop, short limit) and
// a memory kill (a small RLIMIT_AS) each show up as themselves in the event and the metrics — read from the
// trusted headers, and inferred from the status alone when the headers are ignored.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { describeWithTex, startCompileService, type CompileService } from '../helpers/compile-service.js';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';

const DIAGRAM = String.raw`\draw[thick,->] (0,0) -- (2,1) node[right] {$x^2$};`;
const TEX_ERROR = String.raw`\draw (0,0) -- (1,1) \undefinedcontrolsequence;`;
/** Never ends: TeX loops without allocating, so only the service's clock stops it. */
const ENDLESS = String.raw`\loop\iftrue\repeat`;
/** A small DVI that dvisvgm blows up in memory (1,000 empty groups inserted 3,000 times): killed by RLIMIT_AS. */
const MEMORY_BOMB = String.raw`\draw (0,0) rectangle (1,1);
\def\a{<g></g>}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}\edef\a{\a\a\a\a\a\a\a\a\a\a}
\special{dvisvgm:rawset bomb}\special{dvisvgm:raw \a}\special{dvisvgm:endrawset}
\count255=0 \loop\special{dvisvgm:rawput bomb}\advance\count255 by 1 \ifnum\count255<3000 \repeat`;

/**
 * The compile route as the tests' helper has it, bigger code fields, with `compile:`; the signatures are off
 * so the endless loop and the memory bomb reach TeX (stopping them at the door is another test's matter).
 */
function config(upstream: string, outcomeHeaders: 'trust' | 'ignore'): string {
  const route = COMPILE_ROUTE.replace('max_body_bytes: 4096', 'max_body_bytes: 65536')
    .replace('max_code_field_bytes: 2048', 'max_code_field_bytes: 32768')
    .replace(
      '    max_batch_items: 3\n',
      `    max_batch_items: 3\n    response_timeout_ms: 60000\n    compile:\n      outcome_headers: ${outcomeHeaders}\n`,
    );
  return baseConfig(
    upstream,
    `${route}checks:
  signatures: { mode: off }
`,
  );
}

interface Through {
  readonly status: number;
  readonly ev: SecurityEvent;
  readonly elapsedMs: number;
  readonly headers: Record<string, unknown>;
}

async function through(t: TestGateway, code: string): Promise<Through> {
  const started = performance.now();
  const res = await request(`${t.url}/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tikz_code: code }),
  });
  await res.body.text();
  const elapsedMs = performance.now() - started;
  const id = String(res.headers['x-request-id']);
  const ev = await vi.waitFor(
    () => {
      const e = t.events.find((x) => x.request_id === id);
      if (e === undefined) throw new Error(`no event for ${id} yet`);
      return e;
    },
    { timeout: 3000, interval: 10 },
  );
  return { status: res.statusCode, ev, elapsedMs, headers: res.headers };
}

const outcomes = (t: TestGateway, outcome: string) =>
  metric(t.adminUrl, 'portcullis_compile_outcomes_total', { route: 'compile', tier: 'anonymous', outcome });

describeWithTex('compile outcomes from the real compile service', () => {
  /** Generous limits (ok, TeX error); a short clock (timeout); a small memory limit (memory kill). */
  let roomy: CompileService, hurried: CompileService, cramped: CompileService;
  /** One trusting and one ignoring gateway in front of each service. */
  const gw: Record<string, { trust: TestGateway; ignore: TestGateway }> = {};

  beforeAll(async () => {
    [roomy, hurried, cramped] = await Promise.all([
      startCompileService({ timeoutMs: 30_000 }),
      startCompileService({ timeoutMs: 1500, cpuSeconds: 30 }),
      startCompileService({ memoryMb: 200, timeoutMs: 30_000 }),
    ]);
    for (const [name, svc] of Object.entries({ roomy, hurried, cramped })) {
      gw[name] = {
        trust: await startTestGateway(config(svc.url, 'trust')),
        ignore: await startTestGateway(config(svc.url, 'ignore')),
      };
    }
  }, 60_000);
  afterAll(async () => {
    for (const g of Object.values(gw)) {
      await g.trust.close();
      await g.ignore.close();
    }
    await Promise.all([roomy?.close(), hurried?.close(), cramped?.close()]);
  });

  it('ok: the SVG comes back, the event and metrics carry the compile wall and CPU milliseconds', async () => {
    const t = gw.roomy!.trust;
    const r = await through(t, DIAGRAM);
    expect(r.status).toBe(200);
    expect(r.headers['x-compile-outcome']).toBeUndefined(); // stripped: the client does not learn the internals
    const c = r.ev.compile!;
    expect(c.outcome).toBe('ok');
    expect(c.source).toBe('headers');
    // The service's own figures: latex alone spends well over 20 ms of CPU; neither can exceed what the gateway saw.
    expect(c.cpu_ms).toBeGreaterThan(20);
    expect(c.wall_ms).toBeGreaterThan(20);
    expect(c.wall_ms).toBeLessThanOrEqual(r.elapsedMs);
    expect(c.cpu_ms!).toBeLessThan(c.wall_ms * 2 + 50);
    expect(await outcomes(t, 'ok')).toBe(1);
    const secs = { route: 'compile', tier: 'anonymous' };
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_sum', { ...secs, kind: 'wall' })).toBeCloseTo(
      c.wall_ms / 1000,
    );
    expect(await metric(t.adminUrl, 'portcullis_compile_seconds_sum', { ...secs, kind: 'cpu' })).toBeCloseTo(
      c.cpu_ms! / 1000,
    );

    const inferred = await through(gw.roomy!.ignore, DIAGRAM);
    expect(inferred.ev.compile).toMatchObject({ outcome: 'ok', source: 'inferred', cpu_ms: null });
    expect(inferred.ev.compile!.wall_ms).toBeGreaterThan(20);
  }, 60_000);

  it('a TeX error shows up as tex_error', async () => {
    for (const [mode, t] of Object.entries(gw.roomy!)) {
      const r = await through(t, TEX_ERROR);
      expect(r.status).toBe(422);
      expect(r.ev.compile!.outcome).toBe('tex_error');
      expect(r.ev.compile!.source).toBe(mode === 'trust' ? 'headers' : 'inferred');
      expect(await outcomes(t, 'tex_error')).toBe(1);
    }
  }, 60_000);

  it('an endless loop under a short limit shows up as timeout', async () => {
    for (const [mode, t] of Object.entries(gw.hurried!)) {
      const r = await through(t, ENDLESS);
      expect(r.status).toBe(504);
      expect(r.ev.compile!.outcome).toBe('timeout');
      expect(r.ev.compile!.source).toBe(mode === 'trust' ? 'headers' : 'inferred');
      expect(r.ev.compile!.wall_ms).toBeGreaterThanOrEqual(1500);
      if (mode === 'trust') expect(r.ev.compile!.cpu_ms).toBeGreaterThan(0);
      expect(await outcomes(t, 'timeout')).toBe(1);
      expect(await metric(t.adminUrl, 'portcullis_compile_seconds_bucket', { kind: 'wall', le: '1' })).toBe(0);
    }
  }, 60_000);

  it('a memory kill shows up as memory', async () => {
    for (const [mode, t] of Object.entries(gw.cramped!)) {
      const r = await through(t, MEMORY_BOMB);
      expect(r.status).toBe(507);
      expect(r.ev.compile!.outcome).toBe('memory');
      expect(r.ev.compile!.source).toBe(mode === 'trust' ? 'headers' : 'inferred');
      expect(await outcomes(t, 'memory')).toBe(1);
      expect(await outcomes(t, 'error')).toBe(0);
    }
  }, 90_000);
});

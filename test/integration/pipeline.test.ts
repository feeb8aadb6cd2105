// Pipeline semantics through real HTTP: a terminal verdict stops the chain, monitor mode forwards while
// counting what it would have done, scores add up to the decide phase, and the log phase always runs.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Check, RequestPhase, Mode, ResponseCheck } from '../../src/core/check.js';
import type { RequestContext } from '../../src/core/context.js';
import { deny, limit, PASS, score, type Verdict } from '../../src/core/verdict.js';
import type { CheckEntry } from '../../src/checks/registry.js';
import { buildHeadersCheck } from '../../src/checks/headers.js';

/** Only the checks under test (plus the shipped headers check): other modules' rules stay out of these tests. */
const CHECKS: CheckEntry[] = [{ name: 'headers', build: buildHeadersCheck }];
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

/** A check that records its calls and log-phase completions, returning a chosen verdict. */
function probe(
  name: string,
  phase: RequestPhase,
  mode: Mode,
  verdict: (ctx: RequestContext) => Verdict | Promise<Verdict>,
) {
  const calls: string[] = [];
  const completed: Array<{ decision: string; status: number }> = [];
  const check: Check = {
    name,
    phase,
    mode,
    run: (ctx) => {
      calls.push(ctx.id);
      return verdict(ctx);
    },
    onComplete: (ctx) => void completed.push({ decision: ctx.decision, status: ctx.status }),
  };
  const entry: CheckEntry = { name, build: () => check };
  return { entry, calls, completed };
}

/** The compile route, and refusals that name their reason codes: the tests read them from the bodies. */
const ROUTES = `${COMPILE_ROUTE}refusals:
  disclose: codes
`;

const COMPILE = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tikz_code":"x"}' } as const;

let up: TestUpstream | null = null;
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  await up?.close();
  t = up = null;
});

async function gateway(entries: CheckEntry[], routeExtra = '') {
  up = await startUpstream();
  t = await startTestGateway(baseConfig(up.url, ROUTES.replace('name: compile', `name: compile${routeExtra}`)), {
    checks: [...CHECKS, ...entries],
  });
  return t;
}

describe('pipeline', () => {
  it('a terminal verdict stops the chain: later checks and phases never run, nothing is forwarded', async () => {
    const first = probe('first', 'connection', 'enforce', () => deny('first:blocked'));
    const second = probe('second', 'headers', 'enforce', () => PASS);
    const third = probe('third', 'body', 'enforce', () => PASS);
    const g = await gateway([first.entry, second.entry, third.entry]);
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(403);
    expect(await res.body.json()).toMatchObject({ error: 'forbidden', reasons: ['first:blocked'] });
    expect(first.calls.length).toBe(1);
    expect(second.calls.length).toBe(0);
    expect(third.calls.length).toBe(0);
    expect(up!.received.length).toBe(0);
    expect(await metric(g.adminUrl, 'portcullis_refusals_total', { module: 'first', reason: 'first:blocked' })).toBe(1);
    // the log phase ran for every check with a hook, including those that never ran
    expect(first.completed).toEqual([{ decision: 'deny', status: 403 }]);
    expect(third.completed).toEqual([{ decision: 'deny', status: 403 }]);
    expect(g.events.at(-1)).toMatchObject({
      decision: 'deny',
      mode: 'enforce',
      module: 'first',
      reasons: ['first:blocked'],
    });
  });

  it('an async terminal verdict (a store round trip) stops the chain the same way', async () => {
    const slow = probe('slow', 'headers', 'enforce', async () => limit(['slow:over'], { 'retry-after': '3' }));
    const after = probe('after', 'headers', 'enforce', () => PASS);
    const g = await gateway([slow.entry, after.entry]);
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    await res.body.dump();
    expect(after.calls.length).toBe(0);
  });

  it('monitor mode forwards while counting and logging what it would have done', async () => {
    const watcher = probe('watcher', 'body', 'monitor', () => deny('watcher:would-block'));
    const g = await gateway([watcher.entry]);
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(up!.received.length).toBe(1);
    expect(await metric(g.adminUrl, 'portcullis_monitor_hits_total', { reason: 'watcher:would-block' })).toBe(1);
    expect(await metric(g.adminUrl, 'portcullis_refusals_total')).toBe(0);
    expect(g.events.at(-1)).toMatchObject({ decision: 'allow', mode: 'monitor', reasons: ['watcher:would-block'] });
    expect(watcher.completed).toEqual([{ decision: 'allow', status: 200 }]);
  });

  it('scores add up to the route threshold in the decide phase; monitor scores never count', async () => {
    const a = probe('a', 'headers', 'enforce', () => score(60, 'a:odd'));
    const b = probe('b', 'body', 'enforce', () => score(50, 'b:odd'));
    const g = await gateway([a.entry, b.entry], '\n    deny_score: 100');
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as { reasons: string[] }).reasons).toEqual(['a:odd', 'b:odd']);
    expect(up!.received.length).toBe(0);
  });

  it('a monitor-mode score that would cross the threshold is a monitor hit, not a refusal', async () => {
    const a = probe('a', 'headers', 'enforce', () => score(60, 'a:odd'));
    const m = probe('m', 'body', 'monitor', () => score(50, 'm:odd'));
    const g = await gateway([a.entry, m.entry], '\n    deny_score: 100');
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(g.events.at(-1)!.reasons).toEqual(['m:odd', 'decide:score']);
  });

  it('the log phase runs when the client goes away mid-request, and when a check throws', async () => {
    const hang = probe('hang', 'headers', 'enforce', () => new Promise<Verdict>(() => undefined));
    const g = await gateway([hang.entry]);
    const ac = new AbortController();
    const p = request(`${g.url}/compile`, { ...COMPILE, signal: ac.signal }).catch(() => 'aborted');
    for (let i = 0; i < 100 && hang.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await p).toBe('aborted');
    for (let i = 0; i < 100 && hang.completed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(hang.completed).toEqual([{ decision: 'allow', status: 499 }]);
    expect(g.gw.inflight).toBe(0);
  });

  it('an exception in a check is a fault: 500, counted, never forwarded', async () => {
    const boom = probe('boom', 'body', 'enforce', () => {
      throw new Error('bug');
    });
    const g = await gateway([boom.entry]);
    const res = await request(`${g.url}/compile`, COMPILE);
    expect(res.statusCode).toBe(500);
    expect(((await res.body.json()) as { reasons: string[] }).reasons).toEqual(['gateway:check_failed']);
    expect(await metric(g.adminUrl, 'portcullis_check_errors_total', { check: 'boom' })).toBe(1);
    expect(up!.received.length).toBe(0);
    expect(boom.completed).toEqual([{ decision: 'error', status: 500 }]);
  });

  it('the response phase can refuse an upstream answer (buffered for inspection), and monitor only counts', async () => {
    for (const mode of ['enforce', 'monitor'] as const) {
      const inspector: ResponseCheck = {
        name: 'svg',
        mode,
        needsBody: true,
        run: (_ctx, res) => (res.body !== null && res.body.includes('<script') ? deny('svg:script') : PASS),
      };
      up = await startUpstream((_q, res) => res.end('<svg><script>alert(1)</script></svg>'));
      t = await startTestGateway(baseConfig(up.url, ROUTES), {
        checks: [...CHECKS, { name: 'svg', build: () => inspector }],
      });
      const res = await request(`${t.url}/compile`, COMPILE);
      const text = await res.body.text();
      if (mode === 'enforce') {
        expect(res.statusCode).toBe(502);
        expect(JSON.parse(text).reasons).toEqual(['svg:script']);
        expect(text).not.toContain('alert');
      } else {
        expect(res.statusCode).toBe(200);
        expect(text).toContain('<script>');
        expect(t.events.at(-1)).toMatchObject({ mode: 'monitor', reasons: ['svg:script'] });
      }
      await t.close();
      await up.close();
      t = up = null;
    }
  });

  it('the shipped headers check refuses in enforce mode and only counts in monitor mode', async () => {
    for (const mode of ['enforce', 'monitor'] as const) {
      up = await startUpstream();
      t = await startTestGateway(
        baseConfig(up.url, COMPILE_ROUTE + `checks:\n  headers:\n    mode: ${mode}\n    forbid: [x-evil]\n`),
      );
      const res = await request(`${t.url}/health`, { headers: { 'x-evil': '1' } });
      expect(res.statusCode).toBe(mode === 'enforce' ? 403 : 200);
      await res.body.dump();
      expect(up.received.length).toBe(mode === 'enforce' ? 0 : 1);
      await t.close();
      await up.close();
      t = up = null;
    }
  });
});

// Compile outcomes from vectors (test/vectors/compile-outcome.json): trusted headers read strictly, inference from
// status and time, failures the gateway saw; the routes[].compile schema; header stripping; the event's field.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { compileSchema } from '../../../src/proxy/compile-config.js';
import {
  buildCompileSettings,
  failureOutcome,
  readOutcome,
  stripCompileHeaders,
  type GatewayFailure,
} from '../../../src/proxy/compile-outcome.js';
import type { CompileOutcome } from '../../../src/core/compile.js';
import { RequestContext } from '../../../src/core/context.js';
import type { CompiledRoute } from '../../../src/core/route.js';
import { eventFor } from '../../../src/telemetry/events.js';

interface Vectors {
  answers: Array<{
    name: string;
    config: unknown;
    status: number;
    headers: IncomingHttpHeaders;
    elapsed_ms: number;
    expect: CompileOutcome;
  }>;
  failures: Array<{ kind: GatewayFailure; elapsed_ms: number; expect: string }>;
  config_errors: Array<{ name: string; config: unknown; path: Array<string | number> }>;
}

const v = JSON.parse(readFileSync(new URL('../../vectors/compile-outcome.json', import.meta.url), 'utf8')) as Vectors;

const settings = (config: unknown, tiers: string[] = []) => buildCompileSettings(compileSchema.parse(config), tiers);

/** undici's header objects are plain objects made from the wire: built the same way here. */
function wireHeaders(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const o: IncomingHttpHeaders = {};
  for (const [k, val] of Object.entries(h)) o[k] = val;
  return o;
}

describe('readOutcome (vectors)', () => {
  it.each(v.answers.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(readOutcome(settings(c.config), c.status, wireHeaders(c.headers), c.elapsed_ms)).toEqual(c.expect);
  });

  it('never throws, whatever the headers hold', () => {
    const s = settings({ outcome_headers: 'trust' });
    const odd: unknown[] = ['', ' ok', 'ok ', 'ok\u0000', '9'.repeat(10_000), ['ok'], [], ['1', '1']];
    for (const a of odd) {
      for (const b of odd) {
        const h = { 'x-compile-outcome': a, 'x-compile-wall-ms': b, 'x-compile-cpu-ms': b } as IncomingHttpHeaders;
        const r = readOutcome(s, 200, h, 7);
        expect(['ok']).toContain(r.outcome);
      }
    }
  });

  it('reads only own headers: a configured name like a prototype member is absent, not a function', () => {
    const s = settings({ outcome_headers: 'trust', headers: { outcome: 'constructor', wall_ms: 'toString' } });
    expect(readOutcome(s, 200, {}, 5)).toEqual({
      outcome: 'ok',
      wallMs: 5,
      cpuMs: null,
      source: 'inferred',
      headerProblem: 'missing',
    });
  });
});

describe('failureOutcome (vectors)', () => {
  it.each(v.failures.map((c) => [c.kind, c] as const))('%s', (_n, c) => {
    expect(failureOutcome(c.kind, c.elapsed_ms)).toEqual({
      outcome: c.expect,
      wallMs: Math.round(c.elapsed_ms),
      cpuMs: null,
      source: 'inferred',
      headerProblem: null,
    });
  });
});

describe('routes[].compile schema', () => {
  it('has safe defaults: headers ignored and stripped, an event per compile', () => {
    const c = compileSchema.parse({});
    expect(c.outcome_headers).toBe('ignore');
    expect(c.strip_headers).toBe(true);
    expect(c.events).toBe('all');
    expect(c.headers).toEqual({
      outcome: 'x-compile-outcome',
      wall_ms: 'x-compile-wall-ms',
      cpu_ms: 'x-compile-cpu-ms',
    });
  });

  it.each(v.config_errors.map((c) => [c.name, c] as const))('refuses %s', (_n, c) => {
    const r = compileSchema.safeParse(c.config);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path)).toContainEqual(c.path);
  });
});

describe('stripCompileHeaders', () => {
  const s = settings({ headers: { outcome: 'X-Result' } });
  it('removes the three headers and keeps the rest', () => {
    const h = { 'x-result': 'ok', 'x-compile-wall-ms': '1', 'x-compile-cpu-ms': '1', 'content-type': 'image/svg+xml' };
    expect(stripCompileHeaders(s, h)).toEqual({ 'content-type': 'image/svg+xml' });
  });
  it('returns the same object when there is nothing to strip', () => {
    const h = { 'content-type': 'image/svg+xml', 'x-compile-outcome': 'ok' };
    expect(stripCompileHeaders(s, h)).toBe(h);
  });
});

describe('the security event', () => {
  function ctxWith(events: 'all' | 'failures' | 'off', outcome: CompileOutcome | null): RequestContext {
    const ctx = new RequestContext('POST', {}, 0);
    ctx.route = { name: 'compile', compile: settings({ events }) } as unknown as CompiledRoute;
    ctx.compile = outcome;
    ctx.status = 200;
    return ctx;
  }
  const ok: CompileOutcome = { outcome: 'ok', wallMs: 412, cpuMs: 380, source: 'headers', headerProblem: null };
  const timeout: CompileOutcome = {
    outcome: 'timeout',
    wallMs: 300,
    cpuMs: null,
    source: 'inferred',
    headerProblem: null,
  };

  it('carries the compile last, so the fields fail2ban reads keep their order', () => {
    const ev = eventFor(ctxWith('all', ok))!;
    expect(Object.keys(ev).at(-1)).toBe('compile');
    expect(ev.compile).toEqual({ outcome: 'ok', wall_ms: 412, cpu_ms: 380, source: 'headers', header_problem: null });
    expect(ev.decision).toBe('allow');
    expect(ev.mode).toBe('enforce');
  });

  it('is written per compile as configured: all, failures, off', () => {
    expect(eventFor(ctxWith('failures', ok))).toBeNull();
    expect(eventFor(ctxWith('failures', timeout))!.compile!.outcome).toBe('timeout');
    expect(eventFor(ctxWith('off', timeout))).toBeNull();
    expect(eventFor(ctxWith('all', null))).toBeNull();
  });

  it('a refusal of a compile route still has its event (with the compile) when compile events are off', () => {
    const ctx = ctxWith('off', ok);
    ctx.decision = 'deny';
    ctx.refusal = { decision: 'deny', status: 502, reasons: ['svg:script'], module: 'svg' };
    expect(eventFor(ctx)!.compile!.outcome).toBe('ok');
  });
});

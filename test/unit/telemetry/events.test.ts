// The security event schema, refusal disclosure modes, and credential redaction in logs.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { RequestContext } from '../../../src/core/context.js';
import { eventFor, EVENT_SCHEMA } from '../../../src/telemetry/events.js';
import { refusalJson } from '../../../src/http/refusal.js';
import { createLogger } from '../../../src/telemetry/logger.js';

describe('security event', () => {
  it('has the versioned schema and locations of content matches, never the payload', () => {
    const ctx = new RequestContext('POST', {}, 0);
    ctx.id = 'r1';
    ctx.clientIp = '1.2.3.4';
    ctx.peerIp = '10.0.0.1';
    ctx.body = Buffer.from('{"tikz_code":"\\\\write18{rm -rf /}"}');
    ctx.decision = 'deny';
    ctx.status = 403;
    ctx.refusal = { decision: 'deny', status: 403, reasons: ['sig:latex.shell-escape.write18'], module: 'sig' };
    ctx.matches.push({ rule: 'latex.shell-escape.write18', target: 'body', field: 'tikz_code', offset: 0, score: 100 });
    const ev = eventFor(ctx)!;
    expect(Object.keys(ev).sort()).toEqual(
      [
        'schema',
        'time',
        'request_id',
        'client_ip',
        'peer_ip',
        'method',
        'route',
        'decision',
        'status',
        'mode',
        'module',
        'reasons',
        'score',
        'user',
        'tier',
        'matches',
      ].sort(),
    );
    expect(ev.schema).toBe(EVENT_SCHEMA);
    expect(ev).toMatchObject({
      request_id: 'r1',
      client_ip: '1.2.3.4',
      decision: 'deny',
      mode: 'enforce',
      route: '_unmatched',
    });
    expect(JSON.stringify(ev)).not.toContain('rm -rf');
    expect(JSON.stringify(ev)).not.toContain('write18{');
  });

  it('is written for monitor hits, and not for plain allowed requests', () => {
    const ctx = new RequestContext('GET', {}, 0);
    expect(eventFor(ctx)).toBeNull();
    ctx.monitorHits.push('sig:x');
    expect(eventFor(ctx)).toMatchObject({ decision: 'allow', mode: 'monitor', reasons: ['sig:x'] });
    expect(eventFor(ctx)!.monitor).toBeUndefined();
  });

  it('keeps the monitor hits of a request another check refused', () => {
    const ctx = new RequestContext('GET', {}, 0);
    ctx.monitorHits.push('block:rule');
    ctx.decision = 'challenge';
    ctx.status = 401;
    ctx.refusal = { decision: 'challenge', status: 401, reasons: ['identity:invalid_api_key'], module: 'identity' };
    expect(eventFor(ctx)).toMatchObject({
      mode: 'enforce',
      module: 'identity',
      reasons: ['identity:invalid_api_key'],
      monitor: ['block:rule'],
    });
  });
});

describe('refusal disclosure', () => {
  const reasons = ['sig:latex.shell-escape.write18', 'sig:latex.file-read.input', 'rate:anonymous:per_minute'];
  it.each([
    ['codes', reasons],
    ['category', ['sig', 'rate']],
  ] as const)('%s', (mode, shown) => {
    expect(JSON.parse(refusalJson(403, 'id1', reasons, mode))).toEqual({
      error: 'forbidden',
      request_id: 'id1',
      reasons: shown,
    });
  });
  it('none', () =>
    expect(JSON.parse(refusalJson(429, 'id1', reasons, 'none'))).toEqual({
      error: 'too_many_requests',
      request_id: 'id1',
    }));
});

describe('logger', () => {
  it('redacts credentials', async () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    const log = createLogger('info', sink);
    log.info(
      {
        headers: { authorization: 'Bearer s3cret', cookie: 'sid=s3cret', 'x-api-key': 's3cret', accept: 'x' },
        token: 's3cret',
      },
      'req',
    );
    log.flush();
    await new Promise((r) => setImmediate(r));
    expect(out).toContain('"accept":"x"');
    expect(out).not.toContain('s3cret');
  });
});

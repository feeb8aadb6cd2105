// Header rewriting for forwarding: hop-by-hop stripped both ways, X-Forwarded-* ours unless the peer is trusted.
import { describe, expect, it } from 'vitest';
import { clientHeaders, upstreamHeaders, type ForwardInfo } from '../../../src/proxy/headers.js';

const info = (o: Partial<ForwardInfo> = {}): ForwardInfo => ({
  clientIp: '198.51.100.7',
  peerIp: '198.51.100.7',
  peerTrusted: false,
  requestId: 'rid-1',
  requestIdHeader: 'x-request-id',
  proto: 'http',
  buffered: false,
  ...o,
});

/** The flat [name, value, ...] list as pairs, for readable assertions. */
function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

describe('upstreamHeaders', () => {
  it('strips hop-by-hop headers and the client request id, keeps the rest in order and as spelt', () => {
    const raw = [
      'Host',
      'example.test',
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'TE',
      'trailers',
      'Upgrade',
      'h2c',
      'Proxy-Authorization',
      'Basic x',
      'Expect',
      '100-continue',
      'X-Request-ID',
      'forged',
      'Content-Type',
      'application/json',
      'Accept',
      'a',
      'Accept',
      'b',
    ];
    expect(pairs(upstreamHeaders(raw, 'keep-alive', info()))).toEqual([
      ['Content-Type', 'application/json'],
      ['Accept', 'a'],
      ['Accept', 'b'],
      ['x-forwarded-for', '198.51.100.7'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-host', 'example.test'],
      ['x-request-id', 'rid-1'],
    ]);
  });

  it('drops headers named by Connection, whatever their case or spacing', () => {
    const raw = ['X-Secret', 's', 'X-Keep', 'k', 'Connection', 'close, X-SECRET ,, keep-alive'];
    const out = upstreamHeaders(raw, 'close, X-SECRET ,, keep-alive', info());
    expect(pairs(out).map(([k]) => k)).toEqual(['X-Keep', 'x-forwarded-for', 'x-forwarded-proto', 'x-request-id']);
    const twoLines = upstreamHeaders(['X-A', '1', 'X-B', '2'], ['x-a', 'x-b'], info());
    expect(pairs(twoLines).map(([k]) => k)).toEqual(['x-forwarded-for', 'x-forwarded-proto', 'x-request-id']);
  });

  it('replaces forwarding headers from an untrusted peer (clients cannot forge hops)', () => {
    const raw = [
      'X-Forwarded-For',
      '10.0.0.1',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'evil.test',
      'Forwarded',
      'for=10.0.0.1',
      'X-Real-IP',
      '10.0.0.1',
    ];
    expect(pairs(upstreamHeaders(raw, undefined, info()))).toEqual([
      ['x-forwarded-for', '198.51.100.7'],
      ['x-forwarded-proto', 'http'],
      ['x-request-id', 'rid-1'],
    ]);
  });

  it('extends the chain from a trusted peer and keeps its proto and host', () => {
    const raw = [
      'Host',
      'inner.test',
      'X-Forwarded-For',
      '203.0.113.1',
      'X-Forwarded-For',
      '10.0.0.2',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'public.test',
      'X-Real-IP',
      '203.0.113.1',
    ];
    const out = upstreamHeaders(raw, undefined, info({ peerTrusted: true, peerIp: '10.0.0.3' }));
    expect(pairs(out)).toEqual([
      ['X-Real-IP', '203.0.113.1'],
      ['x-forwarded-for', '203.0.113.1, 10.0.0.2, 10.0.0.3'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'public.test'],
      ['x-request-id', 'rid-1'],
    ]);
  });

  it('drops Content-Length for a buffered body only (undici sets it from the bytes)', () => {
    const raw = ['Content-Length', '12'];
    expect(pairs(upstreamHeaders(raw, undefined, info({ buffered: true }))).map(([k]) => k)).not.toContain(
      'Content-Length',
    );
    expect(pairs(upstreamHeaders(raw, undefined, info())).map(([k]) => k)).toContain('Content-Length');
  });
});

describe('clientHeaders', () => {
  const security: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
  ];

  it('strips hop-by-hop and Connection-named headers, flattens repeated values', () => {
    const out = clientHeaders(
      {
        connection: 'x-internal',
        'x-internal': 'secret',
        'transfer-encoding': 'chunked',
        'keep-alive': 'timeout=5',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'application/pdf',
        'x-empty': undefined,
      },
      [],
      'x-request-id',
      'rid-2',
      null,
    );
    expect(pairs(out)).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-type', 'application/pdf'],
      ['x-request-id', 'rid-2'],
    ]);
  });

  it('adds security headers the upstream did not set, never overrides one it did', () => {
    const out = clientHeaders({ 'x-frame-options': 'SAMEORIGIN' }, security, 'x-request-id', 'r', null);
    expect(pairs(out)).toEqual([
      ['x-frame-options', 'SAMEORIGIN'],
      ['x-content-type-options', 'nosniff'],
      ['x-request-id', 'r'],
    ]);
  });

  it('appends the extras checks asked for (e.g. RateLimit headers) after the request id', () => {
    const out = clientHeaders({}, [], 'x-request-id', 'r', { ratelimit: '"per_minute";r=9' });
    expect(pairs(out)).toEqual([
      ['x-request-id', 'r'],
      ['ratelimit', '"per_minute";r=9'],
    ]);
  });
});

// Upstream failures into the few kinds clients and metrics tell apart: real undici errors where they can be made.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, errors } from 'undici';
import { ResponseTooLargeError } from '../../../src/core/errors.js';
import { classifyUpstreamError, statusFor } from '../../../src/proxy/upstream-error.js';

/** The error a real request to `url` fails with (undici, no retries). */
async function failureOf(url: string, opts: { headersTimeout?: number } = {}): Promise<unknown> {
  const client = new Client(url, { headersTimeout: opts.headersTimeout ?? 10_000, connect: { timeout: 2_000 } });
  try {
    await client.request({ path: '/', method: 'GET' });
    return null;
  } catch (err) {
    return err;
  } finally {
    await client.destroy();
  }
}

let silent: Server;
const held: Socket[] = [];
let resetter: Server;
const port = (s: Server) => (s.address() as { port: number }).port;

beforeAll(async () => {
  // Accepts and never answers: a headers timeout. Its sockets are kept to be cut at the end.
  silent = createServer((sock) => held.push(sock));
  // Accepts and cuts the connection at once: a reset.
  resetter = createServer((sock) => sock.resetAndDestroy());
  await Promise.all([
    new Promise<void>((r) => silent.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r)),
  ]);
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => resetter.close(r))]);
});

describe('classifyUpstreamError', () => {
  it('a refused connection is "refused" (502)', async () => {
    // A port just freed: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = port(probe);
    await new Promise((r) => probe.close(r));
    const kind = classifyUpstreamError(await failureOf(`http://127.0.0.1:${free}`));
    expect(kind).toBe('refused');
    expect(statusFor(kind)).toBe(502);
  });

  it('an upstream that never answers is "timeout" (504)', async () => {
    const err = await failureOf(`http://127.0.0.1:${port(silent)}`, { headersTimeout: 100 });
    expect(err).toBeInstanceOf(errors.HeadersTimeoutError);
    expect(classifyUpstreamError(err)).toBe('timeout');
    expect(statusFor('timeout')).toBe(504);
  });

  it('a connection cut before the answer is "reset" (502)', async () => {
    const kind = classifyUpstreamError(await failureOf(`http://127.0.0.1:${port(resetter)}`));
    expect(kind).toBe('reset');
    expect(statusFor(kind)).toBe(502);
  });

  it('our response cap is "response_too_large"; anything else is "other"', () => {
    expect(classifyUpstreamError(new ResponseTooLargeError())).toBe('response_too_large');
    expect(classifyUpstreamError(new errors.BodyTimeoutError())).toBe('timeout');
    expect(classifyUpstreamError(new errors.ConnectTimeoutError())).toBe('timeout');
    expect(classifyUpstreamError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('refused');
    expect(classifyUpstreamError(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('reset');
    expect(classifyUpstreamError(new Error('what'))).toBe('other');
    expect(classifyUpstreamError(null)).toBe('other');
    expect(classifyUpstreamError('a string')).toBe('other');
    expect(statusFor('other')).toBe(502);
  });
});

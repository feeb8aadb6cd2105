// Every protocol refusal over a real socket: status, JSON body, request id, metric — and nothing forwarded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { baseConfig, COMPILE_ROUTE, metric, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { rawRequest } from '../helpers/raw.js';

interface Vector {
  name: string;
  raw?: string;
  method?: string;
  path?: string;
  ct?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyHex?: string;
  chunked?: boolean;
  status: number;
  reason: string;
  metric?: 'refusals' | 'client_errors';
}

const vectors = JSON.parse(readFileSync(new URL('../vectors/http/refusals.json', import.meta.url), 'utf8')) as Vector[];

/** $REPEAT(text,n) expands in vectors so large inputs stay readable. */
const expand = (s: string) => s.replace(/\$REPEAT\((.*?),(\d+)\)/g, (_m, t: string, n: string) => t.repeat(Number(n)));

function build(v: Vector): string {
  if (v.raw !== undefined) return expand(v.raw);
  const body = v.bodyHex !== undefined ? Buffer.from(v.bodyHex, 'hex').toString('latin1') : expand(v.body ?? '');
  const hasBody = v.body !== undefined || v.bodyHex !== undefined;
  let s = `${v.method ?? 'POST'} ${v.path ?? '/compile'} HTTP/1.1\r\nHost: test\r\n`;
  if (v.ct !== undefined) s += `Content-Type: ${v.ct}\r\n`;
  for (const [k, val] of Object.entries(v.headers ?? {})) s += `${k}: ${val}\r\n`;
  if (!hasBody) return s + '\r\n';
  if (v.chunked)
    return (
      s + `Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body, 'latin1').toString(16)}\r\n${body}\r\n0\r\n\r\n`
    );
  return s + `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

describe('protocol refusals', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    // the body's reason codes are part of what is checked: the client is told them whatever the shipped default
    t = await startTestGateway(baseConfig(up.url, `${COMPILE_ROUTE}refusals:\n  disclose: codes\n`));
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const kind = v.reason.slice(v.reason.indexOf(':') + 1);
    const metricName = v.metric === 'client_errors' ? 'portcullis_client_errors_total' : 'portcullis_refusals_total';
    const labels: Record<string, string> = v.metric === 'client_errors' ? { kind } : { reason: v.reason };
    const before = await metric(t.adminUrl, metricName, labels);
    const forwardedBefore = up.received.length;

    const res = await rawRequest(t.url, build(v));

    expect(res.status).toBe(v.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body) as { error: string; request_id: string; reasons: string[] };
    expect(body.reasons).toEqual([v.reason]);
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(body.request_id);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(up.received.length).toBe(forwardedBefore);
    expect(await metric(t.adminUrl, metricName, labels)).toBe(before + 1);
    const ev = t.events.find((e) => e.request_id === body.request_id);
    expect(ev?.reasons).toEqual([v.reason]);
    expect(ev?.decision).toBe('refuse');
  });
});

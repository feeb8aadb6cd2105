// Code fields renamed past the TeX rules (case, Unicode folding, brackets, query, cookie): each is inspected
// as code by the shipped rules through a real gateway, or refused as ambiguous; none reaches the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { baseConfig, COMPILE_ROUTE, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

const REPO = join(import.meta.dirname, '../../..');
const CONFIG = `${COMPILE_ROUTE}checks:
  signatures:
    rules_dir: ${JSON.stringify(join(REPO, 'rules'))}
refusals:
  disclose: codes
`;

const SHELL = '\\immediate\\write18{id}';
const BENIGN = '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}';
const JSON_CT = 'application/json';
const FORM_CT = 'application/x-www-form-urlencoded';

interface Sent {
  path?: string;
  ct?: string;
  body?: string;
  cookie?: string;
  method?: string;
}

describe('code fields under other names', () => {
  let up: TestUpstream;
  let t: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    t = await startTestGateway(baseConfig(up.url, CONFIG));
  });
  afterAll(async () => {
    await t?.close();
    await up?.close();
  });

  async function send(s: Sent): Promise<{ status: number; reasons: string[]; forwarded: boolean }> {
    const before = up.received.length;
    const headers: Record<string, string> = {};
    if (s.ct !== undefined) headers['content-type'] = s.ct;
    if (s.cookie !== undefined) headers['cookie'] = s.cookie;
    const res = await request(`${t.url}${s.path ?? '/compile'}`, {
      method: s.method ?? 'POST',
      headers,
      body: s.body,
    });
    const text = await res.body.text();
    const reasons = res.statusCode >= 400 ? ((JSON.parse(text) as { reasons?: string[] }).reasons ?? []) : [];
    return { status: res.statusCode, reasons, forwarded: up.received.length > before };
  }

  const refusedBySignatures = (r: { status: number; reasons: string[]; forwarded: boolean }) => {
    expect(r.status).toBe(403);
    expect(r.reasons.some((x) => x.startsWith('sig:'))).toBe(true);
    expect(r.forwarded).toBe(false);
  };

  it('lets the plain spelling through when the code is benign (baseline)', async () => {
    const r = await send({
      path: '/compile?x=1',
      ct: JSON_CT,
      body: JSON.stringify({ tikz_code: BENIGN }),
      cookie: 'session=abc',
    });
    expect(r.status).toBe(200);
    expect(r.forwarded).toBe(true);
  });

  it.each([
    ['JSON key in another case (Go matches keys ignoring case)', JSON_CT, JSON.stringify({ Tikz_Code: SHELL })],
    ['JSON key with U+212A KELVIN SIGN', JSON_CT, JSON.stringify({ ['ti\u212Az_code']: SHELL })],
    ['JSON key percent-encoded', JSON_CT, JSON.stringify({ 'tikz%5Fcode': SHELL })],
    ['JSON code key holding an object', JSON_CT, JSON.stringify({ tikz_code: { 0: SHELL } })],
    ['form field tikz_code[]', FORM_CT, `tikz_code%5B%5D=${encodeURIComponent(SHELL)}`],
    ['form field a[tikz_code]', FORM_CT, `a%5Btikz_code%5D=${encodeURIComponent(SHELL)}`],
    ['form field a.tikz_code', FORM_CT, `a.tikz_code=${encodeURIComponent(SHELL)}`],
    ['form field tikz.code (PHP reads it as tikz_code)', FORM_CT, `tikz.code=${encodeURIComponent(SHELL)}`],
  ])('%s is inspected as code', async (_name, ct, body) => {
    refusedBySignatures(await send({ ct, body }));
  });

  it('inspects a query parameter named as the code field', async () => {
    refusedBySignatures(
      await send({ path: `/compile?tikz_code=${encodeURIComponent(SHELL)}`, ct: JSON_CT, body: '{"title":"t"}' }),
    );
    refusedBySignatures(
      await send({ path: `/compile?Tikz_Code=${encodeURIComponent(SHELL)}`, ct: FORM_CT, body: 'title=t' }),
    );
  });

  it('inspects a cookie named as the code field', async () => {
    refusedBySignatures(
      await send({ ct: JSON_CT, body: '{"title":"t"}', cookie: `a=b; tikz_code=${encodeURIComponent(SHELL)}` }),
    );
  });

  it.each([
    ['query and body', { path: '/compile?tikz_code=x', ct: JSON_CT, body: JSON.stringify({ tikz_code: BENIGN }) }],
    ['cookie and body', { cookie: 'tikz_code=x', ct: FORM_CT, body: `tikz_code=${encodeURIComponent(BENIGN)}` }],
    ['query and cookie', { path: '/compile?tikz_code=x', cookie: 'TIKZ_CODE=y', ct: JSON_CT, body: '{}' }],
    ['two JSON keys in different case', { ct: JSON_CT, body: '{"tikz_code":"a","Tikz_Code":"b"}' }],
    ['tikz_code and tikz_code[] in a form', { ct: FORM_CT, body: 'tikz_code=a&tikz_code%5B%5D=b' }],
  ] as const)('refuses one code field from two places: %s', async (_name, s) => {
    const r = await send(s);
    expect(r.status).toBe(400);
    expect(r.reasons).toEqual(['request:code_field_repeated']);
    expect(r.forwarded).toBe(false);
  });

  it.each([
    ['a query parameter on a streamed route', { path: '/upload?tikz_code=x', ct: 'text/plain', body: 'hello' }],
    ['a cookie on a streamed route', { path: '/upload', cookie: 'Tikz_Code=x', ct: 'text/plain', body: 'hello' }],
    ['a query parameter on a bodiless route', { path: '/health?tikz_code%5B%5D=x', method: 'GET' }],
    ['a query parameter on the inspected route, without a body', { path: '/compile?tikz_code=x' }],
  ] as const)('refuses a code field nothing would inspect: %s', async (_name, s) => {
    const r = await send(s);
    expect(r.status).toBe(400);
    expect(r.reasons).toEqual(['request:code_field_uninspected']);
    expect(r.forwarded).toBe(false);
  });
});

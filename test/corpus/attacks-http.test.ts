// Detection through HTTP: the generated attack corpus posted to a real gateway (shipped rules, default
// signatures config, the shipped cost maximum) in front of a real upstream. Every attack must get 403 with a
// `sig:` reason, or, for the payloads one literal makes costly, 422 with a `cost:` reason, and none may reach
// the upstream but the big literals that are only scored; a few ordinary diagrams must still get through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { join } from 'node:path';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { BODY_ENCODINGS, COST_PAYLOADS, SCORED_ONLY, texAttacks, webAttacks } from './attacks.js';
import { REPO } from './engine-fixture.js';

const ROUTES = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    max_body_bytes: 262144
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code]
`;

const SIGNATURES = `checks:
  signatures:
    rules_dir: ${JSON.stringify(join(REPO, 'rules'))}
  cost:
    mode: enforce
    routes: [compile]
    default_max_units: 100000
`;

/** The reasons are read from the refusal body: the client is told the codes whatever the shipped default. */
const DISCLOSE = `refusals:
  disclose: codes
`;

const BENIGN = [
  '\\begin{tikzpicture}\\draw[->] (0,0) -- (2,1) node[right] {$f(x)$};\\end{tikzpicture}',
  '\\begin{tikzpicture}\\foreach \\x in {1,...,5} \\node[circle,draw] at (\\x,0) {\\x};\\end{tikzpicture}',
  '\\usetikzlibrary{arrows.meta,calc}\\begin{tikzpicture}\\draw[-Stealth] (0,0) -- ($(1,1)+(2,0)$);\\end{tikzpicture}',
];

interface Probe {
  readonly id: string;
  /** What else than 403 sig: may answer it: 422 cost: (a literal makes it costly), or 200 (a scored big literal). */
  readonly also?: 'cost' | 'scored';
  readonly contentType: string;
  readonly body: string;
  readonly query: string;
}

describe('generated attack corpus (HTTP)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const agent = new Agent({ connections: 16, pipelining: 1 });

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startTestGateway(baseConfig(up.url, `${ROUTES}${SIGNATURES}${DISCLOSE}`));
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
    await agent.close();
  });

  async function post(p: Probe): Promise<{ status: number; reasons: string[] }> {
    const res = await request(`${gw.url}/compile${p.query === '' ? '' : `?${p.query}`}`, {
      method: 'POST',
      headers: { 'content-type': p.contentType },
      body: p.body,
      dispatcher: agent,
    });
    const text = await res.body.text();
    let reasons: string[] = [];
    try {
      reasons = (JSON.parse(text) as { reasons?: string[] }).reasons ?? [];
    } catch {
      reasons = [];
    }
    return { status: res.statusCode, reasons };
  }

  let scored = 0;
  async function runAll(probes: readonly Probe[]): Promise<string[]> {
    const missed: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < probes.length) {
        const p = probes[next++]!;
        const r = await post(p);
        if (r.status === 403 && r.reasons.some((x) => x.startsWith('sig:'))) continue;
        if (p.also === 'cost' && r.status === 422 && r.reasons.some((x) => x.startsWith('cost:'))) continue;
        if (p.also === 'scored' && r.status === 200) {
          scored++;
          continue;
        }
        missed.push(`${p.id}: ${r.status} ${r.reasons.join(',')}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return missed;
  }

  it('lets ordinary diagrams through', async () => {
    for (const code of BENIGN) {
      const r = await post({
        id: 'benign',
        contentType: 'application/json',
        body: JSON.stringify({ tikz_code: code }),
        query: '',
      });
      expect(r.status).toBe(200);
    }
    expect(up.received).toHaveLength(BENIGN.length);
  });

  it('refuses every attack with 403 and a sig: reason, and forwards none', { timeout: 120_000 }, async () => {
    const probes: Probe[] = [];
    for (const a of texAttacks()) {
      const payload = a.id.split('/')[1]!;
      const also = COST_PAYLOADS.has(payload) ? 'cost' : SCORED_ONLY.has(payload) ? 'scored' : undefined;
      for (const [name, enc] of Object.entries(BODY_ENCODINGS)) {
        const e = enc(a.tex);
        probes.push({ id: `${a.id} [${name}]`, contentType: e.contentType, body: e.body, query: '', also });
      }
    }
    for (const a of webAttacks()) probes.push({ id: a.id, contentType: a.contentType, body: a.body, query: a.query });
    const before = up.received.length;
    const missed = await runAll(probes);
    console.log(
      `HTTP: ${probes.length - missed.length - scored}/${probes.length - scored} attacks refused (403 sig:*, or 422 cost:*); ${scored} big literals scored and forwarded`,
    );
    if (missed.length > 0) console.log(missed.slice(0, 50).join('\n'));
    expect(missed).toEqual([]);
    // only the big literals that are scored, not refused, reach the upstream
    expect(up.received.length - before).toBe(scored);
  });
});

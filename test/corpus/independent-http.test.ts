// The second, smaller attack corpus (test/corpus/independent/attacks.json), written apart from the rules
// and never tuned to them: posted through HTTP to a real gateway (signatures, and the cost estimate as shipped:
// 403 or 422 is a refusal); the figure and every miss are printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { REPO } from './engine-fixture.js';

interface Attack {
  id: string;
  tikz_code?: string;
  title?: string;
  query?: string;
  headers?: Record<string, string>;
}

const corpus = JSON.parse(readFileSync(join(import.meta.dirname, 'independent/attacks.json'), 'utf8')) as {
  attacks: Attack[];
};

const CONFIG = `routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code]
checks:
  signatures:
    rules_dir: ${JSON.stringify(join(REPO, 'rules'))}
  cost: # as the shipped gateway.yaml: a loop or plot one literal makes too long is the estimate's to refuse
    mode: enforce
    routes: [compile]
    default_max_units: 100000
`;

describe('independent attack corpus (HTTP)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    up = await startUpstream();
    gw = await startTestGateway(baseConfig(up.url, CONFIG));
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('is refused (figure printed; at least 90% required)', async () => {
    const missed: string[] = [];
    for (const a of corpus.attacks) {
      const body = JSON.stringify({
        tikz_code: a.tikz_code ?? '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}',
        ...(a.title === undefined ? {} : { title: a.title }),
      });
      const res = await request(`${gw.url}/compile${a.query ? `?${a.query}` : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(a.headers ?? {}) },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 403 && res.statusCode !== 422)
        missed.push(`${a.id}: ${res.statusCode} ${text.slice(0, 120)}`);
    }
    const n = corpus.attacks.length;
    console.log(
      `independent corpus: ${n - missed.length}/${n} refused (${((100 * (n - missed.length)) / n).toFixed(1)}%)`,
    );
    for (const m of missed) console.log(`  not refused: ${m}`);
    expect((n - missed.length) / n).toBeGreaterThanOrEqual(0.9);
  });
});

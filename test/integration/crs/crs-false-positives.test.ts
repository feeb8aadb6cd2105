// False positives of CRS on benign non-code fields (test/vectors/crs/benign-fields.yaml), measured on real
// gateways at paranoia levels 1 and 2 with CRS's own threshold (5): a compile request with a diagram in the code
// field and a title, caption and options. The goal is under 0.5% refused at PL1; measured here are 2 of
// 100 (932235 reads `; task 5` as a shell command, 942151 reads `sin(x)` as a SQL function: CRS's own rules,
// reproduced by hand against their regexes), and 39 of 100 at PL2 (mostly 942200 and 932236, known for it).
// The bounds below are those measurements: an engine change that adds false positives fails here.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';
import { pool } from './ftw.js';

type Fields = Record<string, string>;
const BENIGN = parse(
  readFileSync(join(import.meta.dirname, '../../vectors/crs/benign-fields.yaml'), 'utf8'),
) as Fields[];
const DIAGRAM = '\\begin{tikzpicture}\\draw (0,0) -- (1,1) node[right] {$x$};\\end{tikzpicture}';

/** A browser's request by name (a numeric Host is itself a CRS finding, 920350, that no real client makes). */
function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: '/compile',
        headers: {
          host: 'diagrams.example.org',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
          accept: 'image/svg+xml,*/*;q=0.8',
          'accept-language': 'en-GB,en;q=0.5',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function config(upstream: string, pl: number): string {
  return baseConfig(
    upstream,
    `refusals: { disclose: codes }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
checks:
  signatures: { mode: off }
  crs: { mode: enforce, dir: ${CRS_DIR}, paranoia_level: ${pl} }
`,
  );
}

describeCrs('CRS false positives on benign fields', () => {
  let upstream: TestUpstream;
  const gateways = new Map<number, TestGateway>();

  beforeAll(async () => {
    upstream = await startUpstream();
    for (const pl of [1, 2]) gateways.set(pl, await startTestGateway(config(upstream.url, pl)));
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways.values()) await g.close();
    await upstream?.close();
  });

  it('refuses at most 2% of benign requests at paranoia level 1 and 39% at PL2 (measured; goal 0.5% at PL1)', async () => {
    const rates = new Map<number, { refused: number; which: string[] }>();
    for (const [pl, gw] of gateways) {
      const refused: string[] = [];
      await pool(BENIGN, 8, async (fields) => {
        const res = await post(gw.url, JSON.stringify({ tikz_code: DIAGRAM, ...fields }));
        if (res.status !== 200) refused.push(`${fields.title}: ${res.status} ${res.text}`);
      });
      rates.set(pl, { refused: refused.length, which: refused });
    }
    for (const [pl, r] of rates) {
      console.log(
        `PL${pl}: ${r.refused}/${BENIGN.length} refused (${((100 * r.refused) / BENIGN.length).toFixed(1)}%)`,
      );
      for (const w of r.which) console.log(`  ${w}`);
    }
    expect(BENIGN.length).toBeGreaterThanOrEqual(100);
    expect(rates.get(1)!.refused / BENIGN.length).toBeLessThanOrEqual(0.02);
    expect(rates.get(2)!.refused / BENIGN.length).toBeLessThanOrEqual(0.39);
  }, 120_000);
});

// CRS on a real gateway: code fields (TeX) are never CRS targets, other fields, the query and headers are;
// exclusions by rule id and by tag, for one field, work as docs/crs.md says; monitor mode refuses nothing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { baseConfig, startTestGateway, metric, postCompile, type TestGateway } from '../../helpers/gateway.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';

const XSS = '<script>alert(document.cookie)</script>';
const SQLI = "1' UNION SELECT password FROM users WHERE '1'='1";
const TEX = '\\begin{tikzpicture}\\node {<script>alert(1)</script> UNION SELECT * FROM t};\\end{tikzpicture}';

function config(upstream: string, crs: string): string {
  return baseConfig(
    upstream,
    `refusals: { disclose: codes }
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json, application/x-www-form-urlencoded]
    code_fields: [tikz_code]
checks:
  signatures: { mode: off }
  crs: ${crs}
`,
  );
}

describeCrs('CRS targets and exclusions', () => {
  let upstream: TestUpstream;
  let plain: TestGateway;
  let excluded: TestGateway;
  let monitor: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream();
    plain = await startTestGateway(config(upstream.url, `{ mode: enforce, dir: ${CRS_DIR} }`));
    excluded = await startTestGateway(
      config(
        upstream.url,
        `
    mode: enforce
    dir: ${CRS_DIR}
    exclusions:
      - { rules: ['941100-941399'], fields: [title], reason: titles may quote HTML }
      - { tags: [attack-sqli], fields: [caption] }`,
      ),
    );
    monitor = await startTestGateway(config(upstream.url, `{ mode: monitor, dir: ${CRS_DIR} }`));
  }, 60_000);

  afterAll(async () => {
    for (const g of [plain, excluded, monitor]) await g?.close();
    await upstream?.close();
  });

  it('never reads a code field, however hostile its text is to CRS', async () => {
    const r = await postCompile(plain.url, { tikz_code: TEX, title: 'A triangle' });
    expect(r).toEqual({ status: 200, reasons: [] });
    // the same text in a field that is not code is refused by CRS, with the rule ids as reasons
    const t = await postCompile(plain.url, { tikz_code: '\\draw (0,0) -- (1,1);', title: TEX });
    expect(t.status).toBe(403);
    expect(t.reasons).toContain('crs:949110');
    expect(t.reasons.some((x) => /^crs:941\d{3}$/.test(x))).toBe(true);
    expect(t.reasons.some((x) => /^crs:942\d{3}$/.test(x))).toBe(true);
  });

  it('reads query parameters and headers too, but not a code field sent in the query', async () => {
    const q = await postCompile(plain.url, { title: 'x' }, `?lang=${encodeURIComponent(SQLI)}`);
    expect(q.status).toBe(403);
    expect(q.reasons.some((x) => /^crs:942\d{3}$/.test(x))).toBe(true);
    const code = await postCompile(plain.url, { title: 'x' }, `?tikz_code=${encodeURIComponent(XSS)}`);
    expect(code).toEqual({ status: 200, reasons: [] });
  });

  it('an exclusion by rule ids and field lets that field through, and only that field', async () => {
    expect((await postCompile(excluded.url, { title: XSS })).status).toBe(200);
    const other = await postCompile(excluded.url, { subtitle: XSS });
    expect(other.status).toBe(403);
    expect(other.reasons.some((x) => /^crs:941\d{3}$/.test(x))).toBe(true);
    // the title is excluded from the XSS rules only: SQL injection in it is still refused
    const sqli = await postCompile(excluded.url, { title: SQLI });
    expect(sqli.status).toBe(403);
    expect(sqli.reasons.some((x) => /^crs:942\d{3}$/.test(x))).toBe(true);
  });

  it('an exclusion by tag and field works the same way', async () => {
    expect((await postCompile(excluded.url, { caption: SQLI })).status).toBe(200);
    expect((await postCompile(excluded.url, { subtitle: SQLI })).status).toBe(403);
  });

  it('in monitor mode refuses nothing and counts what it would have refused', async () => {
    const r = await postCompile(monitor.url, { title: XSS });
    expect(r.status).toBe(200);
    expect(await metric(monitor.adminUrl, 'portcullis_monitor_hits_total', { module: 'crs' })).toBeGreaterThan(0);
  });
});

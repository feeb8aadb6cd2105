// With CRS enforcing, the hand-written web rules (tagged web) step aside on the targets CRS reads, as the issue
// asks ("the web pack stays the default when no CRS directory is configured"); they keep guarding while CRS is
// in monitor mode, `web_rules: on` keeps them beside CRS, and the TeX rules on code fields run in every case.
// Real gateways with the shipped rules and the shared CRS release; `check` reports which case is in force.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { crsReport } from '../../../src/crs/report.js';
import { buildSignaturesCheck } from '../../../src/checks/signatures.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { baseConfig, COMPILE_ROUTE, postCompile, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { CRS_DIR, describeCrs } from '../../helpers/crs-dir.js';

function config(upstream: string, crsMode: string, webRules?: string): string {
  const web = webRules === undefined ? '' : `, web_rules: ${webRules}`;
  return baseConfig(
    upstream,
    `refusals: { disclose: codes }
${COMPILE_ROUTE}checks:
  signatures: { mode: enforce${web} }
  crs: { mode: ${crsMode}, dir: ${CRS_DIR} }
`,
  );
}

const DIAGRAM = '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}';

function post(gw: TestGateway, query: string, code = DIAGRAM): Promise<{ status: number; reasons: string[] }> {
  return postCompile(gw.url, { tikz_code: code, title: 'A line' }, query);
}

// A newline in a query value: the web pack's CR/LF rule refuses it (response splitting), CRS at PL1 does not
// (no header follows it). A script tag: both refuse it, each by its own rule.
const NEWLINE = '?note=first%20line%0Asecond%20line';
const XSS = '?note=%3Cscript%3Ealert(1)%3C%2Fscript%3E';

describeCrs('the web rules beside CRS', () => {
  let upstream: TestUpstream;
  let enforce: TestGateway;
  let monitor: TestGateway;
  let both: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream();
    enforce = await startTestGateway(config(upstream.url, 'enforce'));
    monitor = await startTestGateway(config(upstream.url, 'monitor'));
    both = await startTestGateway(config(upstream.url, 'enforce', 'on'));
  });
  afterAll(async () => {
    await Promise.all([enforce?.close(), monitor?.close(), both?.close()]);
    await upstream?.close();
  });

  it('CRS enforcing: the web rules are left out, CRS judges the web targets', async () => {
    expect(await post(enforce, NEWLINE)).toEqual({ status: 200, reasons: [] });
    const xss = await post(enforce, XSS);
    expect(xss.status).toBe(403);
    expect(xss.reasons.some((r) => r.startsWith('crs:'))).toBe(true);
    expect(xss.reasons.some((r) => r.startsWith('sig:web.'))).toBe(false);
  });

  it('CRS in monitor mode: the web rules keep guarding', async () => {
    const r = await post(monitor, NEWLINE);
    expect(r.status).toBe(403);
    expect(r.reasons).toContain('sig:web.protocol.crlf');
  });

  it('web_rules: on keeps them beside an enforcing CRS', async () => {
    const r = await post(both, NEWLINE);
    expect(r.status).toBe(403);
    expect(r.reasons).toContain('sig:web.protocol.crlf');
  });

  it('the TeX rules run on code fields in every case', async () => {
    for (const gw of [enforce, monitor, both]) {
      const r = await post(gw, '', '\\immediate\\write18{rm -rf /}');
      expect(r.status).toBe(403);
      expect(r.reasons).toContain('sig:latex.shell-escape.write18');
    }
  });

  it('an exclusion may name a web rule whether or not they run', () => {
    const cfg = (crs: string) =>
      configSchema.parse({
        upstream: { url: 'http://127.0.0.1:1' },
        checks: {
          crs: { mode: crs, dir: CRS_DIR },
          signatures: { exclusions: [{ rules: ['web.protocol.crlf'], fields: ['note'] }] },
        },
      });
    for (const mode of ['enforce', 'monitor']) expect(buildSignaturesCheck(cfg(mode))).not.toBeNull();
  });

  it('portcullis check says which case is in force', () => {
    const report = (crs: string, web?: string) =>
      crsReport(
        configSchema.parse({
          upstream: { url: 'http://127.0.0.1:1' },
          checks: { crs: { mode: crs, dir: CRS_DIR }, signatures: web === undefined ? {} : { web_rules: web } },
        }),
      ).at(-1);
    expect(report('enforce')).toBe(
      'crs: the web rules of checks.signatures (tagged web) are left out (web_rules: auto: CRS enforces on their targets)',
    );
    expect(report('monitor')).toBe(
      'crs: the web rules of checks.signatures (tagged web) run beside CRS (web_rules: auto: CRS is in monitor mode)',
    );
    expect(report('enforce', 'on')).toBe(
      'crs: the web rules of checks.signatures (tagged web) run beside CRS (web_rules: on)',
    );
  });
});

// Done-when of issue 12: the SVG-injection and file-exfiltration attacks of test/vectors/svg-attacks.yaml,
// against the reference compile service in its weakened mode. With no gateway each one works (its markup or the
// canary is in the answer); through the gateway with input signatures off (so they reach TeX) and SVG
// inspection enforcing (action strip, canaries configured) each answer is refused or stripped by the response
// phase; every answer the gateway let through is then opened in headless Chromium, as a document and inside an
// <img>, and no script runs and no request leaves the page. A control shows that the same detection sees the
// unprotected answers run script and make requests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  createSvgViewer,
  describeWithChromium,
  inert,
  launchChromium,
  type Answer,
  type SvgReport,
  type SvgViewer,
  type View,
} from '../../helpers/browser.js';
import { describeWithTex, startCompileService, type CompileService } from '../../helpers/compile-service.js';
import { metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { gatewayYaml, mapLimit, post, REPO, startTap, type Tap } from './harness.js';

interface Vector {
  readonly id: string;
  readonly kind: 'injection' | 'exfiltration';
  readonly what: string;
  readonly tikz_code: string;
  readonly evidence: readonly string[];
  readonly browser?: readonly ('dialog' | 'request')[];
}

const VECTORS = (parse(readFileSync(join(REPO, 'test/vectors/svg-attacks.yaml'), 'utf8')) as { vectors: Vector[] })
  .vectors;

/** The first line of /etc/passwd on any Linux: a canary of the gateway (data leaving the compile host). */
const PASSWD_CANARY = 'root:x:0:0:';

/** Compiles at once: below the service's cap of 5 (it refuses beyond it rather than queue). */
const CONCURRENCY = 4;

/** Answers open in Chromium at once (each viewer has its own two pages). */
const VIEWERS = 3;

type Got = Awaited<ReturnType<typeof post>>;

describeWithTex('SVG attacks: the weakened compile service, with and without the gateway (issue 12)', () => {
  let svc: CompileService;
  let tap: Tap;
  let gw: TestGateway;
  let marker = '';
  const direct = new Map<string, Got>();
  const through = new Map<string, Got>();
  const fill = (s: string): string => s.replaceAll('{{CANARY_MARKER}}', marker);
  const code = (v: Vector): string => fill(v.tikz_code);

  beforeAll(async () => {
    svc = await startCompileService({ weakened: true, concurrency: 5 });
    expect(svc.canary, 'the weakened service plants a canary').toBeDefined();
    marker = svc.canary!.marker;
    tap = await startTap(svc.url);
    gw = await startTestGateway(
      gatewayYaml(tap.url, { signatures: 'off', action: 'strip', canaries: [marker, PASSWD_CANARY] }),
    );
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await tap?.close();
    await svc?.close();
  }, 60_000);

  it('has vectors of both kinds, each with evidence', () => {
    expect(VECTORS.filter((v) => v.kind === 'injection').length).toBeGreaterThanOrEqual(10);
    expect(VECTORS.filter((v) => v.kind === 'exfiltration').length).toBeGreaterThanOrEqual(3);
    expect(new Set(VECTORS.map((v) => v.id)).size).toBe(VECTORS.length);
    for (const v of VECTORS) expect(v.evidence.length, v.id).toBeGreaterThan(0);
  });

  it('with the gateway off, each attack works: its markup or the canary is in the answer', async () => {
    const got = await mapLimit(VECTORS, CONCURRENCY, (v) => post(svc.url, code(v)));
    const failed: string[] = [];
    VECTORS.forEach((v, i) => {
      const a = got[i]!;
      direct.set(v.id, a);
      const text = a.body.toString('utf8');
      const missing = v.evidence.map(fill).filter((e) => !text.includes(e));
      if (a.status !== 200 || missing.length > 0) {
        failed.push(`${v.id}: ${a.status}, missing ${JSON.stringify(missing)} ${text.slice(0, 160)}`);
      }
    });
    expect(failed).toEqual([]);
  }, 180_000);

  it('through the gateway (signatures off, SVG inspection enforcing): each answer is refused or stripped', async () => {
    expect(direct.size, 'the gateway-off test ran first').toBe(VECTORS.length);
    const got = await mapLimit(VECTORS, CONCURRENCY, (v) => post(gw.url, code(v)));
    const failed: string[] = [];
    const table: string[] = [];
    VECTORS.forEach((v, i) => {
      const a = got[i]!;
      through.set(v.id, a);
      const text = a.body.toString('utf8');
      // It reached TeX and worked there: what the service answered the gateway carries the evidence.
      const upstream = tap.answers.get(code(v));
      const upText = upstream?.body.toString('utf8') ?? '';
      if (upstream?.status !== 200 || !v.evidence.map(fill).every((e) => upText.includes(e))) {
        failed.push(`${v.id}: did not work behind the gateway (service said ${upstream?.status ?? 'nothing'})`);
        return;
      }
      const id = a.headers['x-request-id'] ?? '';
      const event = gw.events.find((e) => e.request_id === id);
      if (a.status === 502) {
        const reasons = (JSON.parse(text) as { reasons?: string[] }).reasons ?? [];
        table.push(`  ${v.id}: refused ${reasons.join(' ')}`);
        if (!reasons.some((r) => r.startsWith('svg:') || r === 'response:canary')) {
          failed.push(`${v.id}: 502 without a response-phase reason: ${text}`);
        }
        if (v.kind === 'exfiltration' && !reasons.includes('response:canary')) {
          failed.push(`${v.id}: exfiltration refused without response:canary (${reasons.join(' ')})`);
        }
        if (text.includes(marker) || text.includes(PASSWD_CANARY))
          failed.push(`${v.id}: the refusal carries the canary`);
        if (event === undefined || event.status !== 502) failed.push(`${v.id}: no security event of the refusal`);
        return;
      }
      if (a.status !== 200) {
        failed.push(`${v.id}: ${a.status} ${text.slice(0, 200)}`);
        return;
      }
      const strip = event?.response?.find((r) => r.action === 'strip');
      table.push(`  ${v.id}: stripped ${strip?.stripped ?? '?'} (${strip?.reasons.join(' ') ?? 'no event'})`);
      if (v.kind === 'exfiltration') failed.push(`${v.id}: a canary answer came through (200)`);
      const left = v.evidence.map(fill).filter((e) => text.includes(e));
      if (left.length > 0) failed.push(`${v.id}: still in the answer: ${JSON.stringify(left)}`);
      if (text.includes(marker) || text.includes(PASSWD_CANARY)) failed.push(`${v.id}: a canary came through`);
      if (strip === undefined || strip.stripped < 1) failed.push(`${v.id}: 200 with no strip in its event`);
      if (!/^image\/svg\+xml\b/.test(a.headers['content-type'] ?? ''))
        failed.push(`${v.id}: ${a.headers['content-type']}`);
      if (!(a.headers['content-security-policy'] ?? '').includes("default-src 'none'")) failed.push(`${v.id}: no CSP`);
      if (a.headers['x-content-type-options'] !== 'nosniff') failed.push(`${v.id}: no nosniff`);
    });
    console.log(`SVG attacks through the gateway (action strip):\n${table.join('\n')}`);
    expect(failed).toEqual([]);
    // The events name what was found (element, attribute, reason), never the content: no canary, no payload.
    const logged = JSON.stringify(gw.events);
    for (const secret of [marker, PASSWD_CANARY, 'alert(', 'exfil.invalid']) expect(logged).not.toContain(secret);
    // The metrics tell the same story: every strip and every refusal counted, nothing passed as it was.
    const stripped = VECTORS.filter((v) => through.get(v.id)?.status === 200).length;
    const inspections = (check: string, action: string) =>
      metric(gw.adminUrl, 'portcullis_response_inspections_total', { route: 'compile', check, action });
    expect(await inspections('svg', 'strip')).toBe(stripped);
    expect(await inspections('svg', 'pass')).toBe(0);
    expect(await metric(gw.adminUrl, 'portcullis_svg_stripped_total', { route: 'compile' })).toBeGreaterThanOrEqual(
      stripped,
    );
  }, 180_000);

  describeWithChromium('in headless Chromium (Debian chromium, playwright-core)', () => {
    let browser: Browser;
    /** Viewers free to open an answer; a few at once, each with its own pages. */
    const viewers: SvgViewer[] = [];
    const all: SvgViewer[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
      for (let i = 0; i < VIEWERS; i++) all.push(await createSvgViewer(browser));
      viewers.push(...all);
    }, 90_000);
    afterAll(async () => {
      for (const v of all) await v.close();
      await browser?.close();
    }, 60_000);
    const open = async (a: Answer, views?: readonly View[]): Promise<SvgReport> => {
      const v = viewers.pop()!;
      try {
        return await v.open(a, views);
      } finally {
        viewers.push(v);
      }
    };

    const answerOf = (g: Got, dropCsp = false): Answer => {
      const headers = { ...g.headers };
      if (dropCsp) delete headers['content-security-policy'];
      return { status: g.status, headers, body: g.body };
    };

    it('control: opened the same way, the unprotected answers run script and make requests', async () => {
      const controls = VECTORS.filter((v) => v.browser !== undefined && v.browser.length > 0);
      expect(controls.length).toBeGreaterThanOrEqual(8);
      expect(direct.size, 'the gateway-off test ran first').toBe(VECTORS.length);
      const missed: string[] = [];
      await mapLimit(controls, VIEWERS, async (v) => {
        const r = (await open(answerOf(direct.get(v.id)!), ['document'])).document!;
        if (v.browser!.includes('dialog') && r.dialogs.length === 0) missed.push(`${v.id}: no script ran`);
        if (v.browser!.includes('request') && r.leaked.length === 0) missed.push(`${v.id}: no request seen`);
      });
      expect(missed).toEqual([]);
    }, 120_000);

    it('every answer the gateway let through: no script ran, no request left the page, as a document and in an <img>', async () => {
      const passed = VECTORS.filter((v) => through.get(v.id)?.status === 200);
      expect(through.size, 'the gateway test ran first').toBe(VECTORS.length);
      const active: string[] = [];
      await mapLimit(passed, VIEWERS, async (v) => {
        const g = through.get(v.id)!;
        // As the gateway sent it (its CSP included): as a document and in an <img>.
        const r = await open(answerOf(g));
        if (r.document === null || !inert(r.document))
          active.push(`${v.id} as a document: ${JSON.stringify(r.document)}`);
        if (r.img === null || !inert(r.img)) active.push(`${v.id} in an <img>: ${JSON.stringify(r.img)}`);
        if ((r.img?.imgWidth ?? 0) <= 0) active.push(`${v.id} in an <img>: did not render`);
        // Once more as a document without the CSP: the stripped SVG itself must be inert, for a page that inlines
        // it or a proxy that drops the header. (An <img> runs no script and loads nothing whatever the headers.)
        const bare = (await open(answerOf(g, true), ['document'])).document;
        if (bare === null || !inert(bare)) active.push(`${v.id} as a document without CSP: ${JSON.stringify(bare)}`);
      });
      console.log(`Chromium: ${passed.length} answers the gateway let through, each opened 3 ways`);
      expect(active).toEqual([]);
    }, 300_000);
  });
});

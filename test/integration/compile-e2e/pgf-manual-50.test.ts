// Done-when of issue 12: the first 50 examples of the PGF manual that compile with TeX alone go through the
// gateway (shipped input signatures, SVG inspection enforcing with action strip) to the reference compile
// service: every one comes back 200 as SVG, byte for byte what the service sent (nothing stripped). The 50 are
// chosen by scripts/select-pgf-compilable.mjs (test/vectors/pgf-compilable-50.json); this test checks the
// choice still matches the corpus, then sends exactly those.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualOrder } from '../../../scripts/select-pgf-compilable.mjs';
import { hasPgfManual, loadPgfManual, pgfManualDir, type CodeSample } from '../../corpus/pgf-manual.js';
import { describeWithTex, startCompileService, type CompileService } from '../../helpers/compile-service.js';
import { metric, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { gatewayYaml, mapLimit, post, REPO, startTap, type Tap } from './harness.js';

interface Selection {
  readonly regenerate: string;
  readonly judged: number;
  readonly selected: readonly { readonly id: string; readonly sha256: string }[];
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
}

const SELECTION = JSON.parse(readFileSync(join(REPO, 'test/vectors/pgf-compilable-50.json'), 'utf8')) as Selection;

const present = hasPgfManual();
if (!present && process.env.CI !== 'true') {
  console.warn(
    `\n*** PGF manual corpus missing in ${pgfManualDir()}: run scripts/fetch-pgf-manual.sh (skipped locally) ***\n`,
  );
}

/** Compiles at once: below the service's cap of 5 (it refuses beyond it rather than queue). */
const CONCURRENCY = 4;

/** Locally without the corpus: skipped (warned above); under CI=true the test runs and fails on it. */
const suite = present || process.env.CI === 'true' ? describeWithTex : describe.skip;

suite('PGF manual examples through the gateway (issue 12)', () => {
  let svc: CompileService;
  let tap: Tap;
  let gw: TestGateway;

  beforeAll(async () => {
    svc = await startCompileService({ concurrency: 5 });
    tap = await startTap(svc.url);
    gw = await startTestGateway(gatewayYaml(tap.url, { signatures: 'enforce', action: 'strip' }));
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await tap?.close();
    await svc?.close();
  }, 60_000);

  const chosen = (): CodeSample[] => {
    expect(present, `PGF manual corpus missing in ${pgfManualDir()} (run scripts/fetch-pgf-manual.sh)`).toBe(true);
    const dir = pgfManualDir();
    const ordered = manualOrder(loadPgfManual(dir), dir);
    const stale = `the corpus changed since the selection was made: ${SELECTION.regenerate}`;
    // The selection is a prefix of the manual's order: every example up to the last one chosen is either
    // chosen or passed over with a reason, and the chosen texts are the ones that were compiled.
    const prefix = ordered.slice(0, SELECTION.judged).map((s) => s.id);
    const listed = new Set([...SELECTION.selected.map((s) => s.id), ...SELECTION.skipped.map((s) => s.id)]);
    expect(prefix, stale).toEqual(ordered.filter((s) => listed.has(s.id)).map((s) => s.id));
    expect(
      SELECTION.selected.map((s) => s.id),
      stale,
    ).toEqual(prefix.filter((id) => SELECTION.selected.some((s) => s.id === id)));
    const byId = new Map(ordered.map((s) => [s.id, s]));
    return SELECTION.selected.map((sel) => {
      const s = byId.get(sel.id);
      expect(s, `${sel.id}: ${stale}`).toBeDefined();
      expect(createHash('sha256').update(s!.text, 'utf8').digest('hex'), `${sel.id}: ${stale}`).toBe(sel.sha256);
      return s!;
    });
  };

  it('the first 50 that compile with TeX alone all come back 200 as SVG, unchanged: nothing stripped', async () => {
    const samples = chosen();
    expect(samples).toHaveLength(50);
    const t0 = Date.now();
    const answers = await mapLimit(samples, CONCURRENCY, (s) => post(gw.url, s.text));
    const seconds = (Date.now() - t0) / 1000;

    const problems: string[] = [];
    samples.forEach((s, i) => {
      const a = answers[i]!;
      const sent = tap.answers.get(s.text);
      if (a.status !== 200) {
        problems.push(`${s.id}: ${a.status} ${a.body.toString('utf8').slice(0, 200)}`);
        return;
      }
      if (!/^image\/svg\+xml\b/.test(a.headers['content-type'] ?? ''))
        problems.push(`${s.id}: ${a.headers['content-type']}`);
      if (sent === undefined) problems.push(`${s.id}: the service was never asked`);
      else if (!sent.body.equals(a.body)) problems.push(`${s.id}: the answer differs from what the service sent`);
      if (!(a.headers['content-security-policy'] ?? '').includes("default-src 'none'")) {
        problems.push(`${s.id}: no CSP on the SVG answer`);
      }
    });
    // The response phase found nothing to report in any of them (a strip or a refusal makes an event).
    const found = gw.events.filter((e) => (e as { response?: unknown }).response !== undefined);
    console.log(
      `PGF manual: ${samples.length} examples (${SELECTION.skipped.length} passed over before them) through the gateway ` +
        `in ${seconds.toFixed(1)} s at ${CONCURRENCY} at once; ${problems.length} problems; ` +
        `${found.length} events with response findings`,
    );
    expect(problems).toEqual([]);
    expect(found).toEqual([]);
    expect(tap.answers.size).toBe(50);
    expect(await metric(gw.adminUrl, 'portcullis_compile_outcomes_total', { route: 'compile', outcome: 'ok' })).toBe(
      50,
    );
    // SVG inspection judged every answer and passed each as it was.
    const svg = (action: string) =>
      metric(gw.adminUrl, 'portcullis_response_inspections_total', { route: 'compile', check: 'svg', action });
    expect(await svg('pass')).toBe(50);
    expect((await svg('strip')) + (await svg('refuse'))).toBe(0);
    expect(await metric(gw.adminUrl, 'portcullis_svg_stripped_total', { route: 'compile' })).toBe(0);
  }, 240_000);

  it('control: in the same gateway, a manual example the allow-list does not pass is stripped, and the comparison sees it', async () => {
    // PGF's own animations (the basic layer's animations module) compile to SMIL <animate> elements, which the
    // SVG allow-list does not pass (issue 12: no set/animate*). The input signatures let the example through.
    const id = 'pgfmanual-en-base-animations.tex:35';
    const sample = loadPgfManual().find((s) => s.id === id);
    expect(sample, id).toBeDefined();
    const a = await post(gw.url, sample!.text);
    const sent = tap.answers.get(sample!.text);
    expect(a.status, a.body.toString('utf8').slice(0, 200)).toBe(200);
    expect(sent?.body.toString('utf8')).toContain('<animate');
    expect(a.body.toString('utf8')).not.toContain('<animate');
    expect(sent!.body.equals(a.body)).toBe(false);
    const strips = gw.events.filter((e) =>
      ((e as { response?: readonly { action: string }[] }).response ?? []).some((r) => r.action === 'strip'),
    );
    expect(strips).toHaveLength(1);
  }, 60_000);
});

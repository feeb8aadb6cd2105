// The SVG inspection against its vectors (test/vectors/svg): real dvisvgm output passes byte for byte, every attack
// is found with its reason, and strip produces exactly the expected cleaned document (or refuses it whole).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import fc from 'fast-check';
import { RequestContext } from '../../../src/core/context.js';
import type { ResponseCheck, ResponseRewrite } from '../../../src/core/check.js';
import { svgSchema } from '../../../src/response/config.js';
import { buildSvgCheck } from '../../../src/response/svg-check.js';
import { escapeAttribute, escapeText, inspectSvg, stripSvg } from '../../../src/response/svg-inspect.js';

const DIR = join(import.meta.dirname, '../../vectors/svg');
const GOOD = join(DIR, 'good');
const ATTACK = join(DIR, 'attack');

interface Case {
  readonly file: string;
  readonly reasons: readonly string[];
  /** The expected output of strip, or null: refused whole even when the action is strip. */
  readonly stripped: string | null;
  readonly note: string;
}
const CASES = JSON.parse(readFileSync(join(ATTACK, 'cases.json'), 'utf8')) as Case[];

function check(over: Record<string, unknown> = {}, canaries: string[] = []): ResponseCheck {
  return buildSvgCheck({ route: 'compile', config: svgSchema.parse(over), canaries });
}

function run(c: ResponseCheck, body: Buffer, contentType = 'image/svg+xml', extra: Record<string, string> = {}) {
  const ctx = new RequestContext('POST', {}, 0);
  const v = c.run(ctx, { status: 200, headers: { 'content-type': contentType, ...extra }, body });
  return { v, ctx };
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

describe('real dvisvgm output (good/)', () => {
  const files = readdirSync(GOOD).filter((f) => f.endsWith('.svg'));

  it('has the three font modes of several TikZ pictures', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const f of files) {
    it(`${f} passes unchanged in refuse and strip mode, with the CSP and nosniff`, () => {
      const body = readFileSync(join(GOOD, f));
      expect(inspectSvg(body.toString('utf8'), LIMITS).reasons).toEqual([]);
      for (const action of ['refuse', 'strip']) {
        const { v, ctx } = run(check({ action }), body);
        expect(v.kind).toBe('continue');
        const r = v as ResponseRewrite;
        expect(r.body).toBeUndefined(); // the upstream's bytes go out as they came
        expect(r.headers).toEqual({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
        expect(ctx.inspections).toEqual([{ check: 'svg', kind: 'svg', action: 'pass', reasons: [], stripped: 0 }]);
      }
    });
  }
});

const LIMITS = {
  maxElements: 50_000,
  maxDepth: 64,
  maxImageBytes: 1_048_576,
  canvas: { maxArea: 25_000_000, maxSide: 16_384 },
};

describe('attacks (attack/cases.json)', () => {
  it('lists at least 40 cases, each with its file', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const c of CASES) expect(readFileSync(join(ATTACK, c.file)).length).toBeGreaterThan(0);
  });

  for (const c of CASES) {
    it(`${c.file} (${c.note}): refused with ${c.reasons.join(', ')}; the event names where, never what`, () => {
      const body = readFileSync(join(ATTACK, c.file));
      const { v, ctx } = run(check({ action: 'refuse' }), body);
      expect(v).toMatchObject({ kind: 'deny', status: 502, reasons: c.reasons });
      expect(ctx.inspections).toEqual([
        { check: 'svg', kind: 'svg', action: 'refuse', reasons: c.reasons, stripped: 0 },
      ]);
      const matches = (v as unknown as { matches: { field: string; rule: string }[] }).matches;
      expect(matches.length).toBeGreaterThan(0);
      for (const m of matches) {
        expect(c.reasons).toContain(m.rule);
        // element@attribute names only: no value of the document (URLs, script text) reaches the event
        expect(m.field).toMatch(/^[?A-Za-z:_-]*(@[A-Za-z:_-]+)?$/);
      }
    });

    it(`${c.file}: strip ${c.stripped === null ? 'refuses it whole' : `gives ${c.stripped}`}`, () => {
      const body = readFileSync(join(ATTACK, c.file));
      const { v, ctx } = run(check({ action: 'strip' }), body);
      if (c.stripped === null) {
        expect(v).toMatchObject({ kind: 'deny', status: 502, reasons: c.reasons });
        return;
      }
      expect(v.kind).toBe('continue');
      const cleaned = (v as ResponseRewrite).body!.toString('utf8');
      expect(cleaned).toBe(readFileSync(join(ATTACK, c.stripped), 'utf8'));
      expect(inspectSvg(cleaned, LIMITS).reasons).toEqual([]);
      expect(ctx.inspections![0]).toMatchObject({ action: 'strip', reasons: c.reasons });
      expect(ctx.inspections![0]!.stripped).toBeGreaterThan(0);
    });

    it(`${c.file}: monitor mode lets it through unchanged and reports the same reasons`, () => {
      const body = readFileSync(join(ATTACK, c.file));
      const { v, ctx } = run(check({ mode: 'monitor', action: 'strip' }), body);
      expect(v).toMatchObject({ kind: 'continue', reasons: c.reasons });
      expect((v as ResponseRewrite).body).toBeUndefined();
      expect(ctx.inspections![0]).toMatchObject({ action: 'monitor', reasons: c.reasons });
    });
  }
});

describe('the answer around the SVG', () => {
  const good = readFileSync(join(GOOD, 'tree-nofonts.svg'));

  it('a charset other than UTF-8 in Content-Type is refused (it overrides the XML declaration in browsers)', () => {
    expect(run(check(), good, 'image/svg+xml; charset=iso-8859-1').v).toMatchObject({ reasons: ['svg:encoding'] });
    expect(run(check(), good, 'image/svg+xml; charset=utf-8; charset=utf-16').v).toMatchObject({
      reasons: ['svg:encoding'],
    });
    expect(run(check(), good, 'image/svg+xml; charset="UTF-8"').v.kind).toBe('continue');
  });

  it('a compressed answer cannot be read: refused', () => {
    expect(run(check(), good, 'image/svg+xml', { 'content-encoding': 'gzip' }).v).toMatchObject({
      reasons: ['svg:content_encoding'],
    });
  });

  it('other XML types, and markup without a Content-Type, are judged as SVG; text and PNG are not', () => {
    const bad = readFileSync(join(ATTACK, 'script-element.svg'));
    for (const t of ['text/xml', 'application/xml', 'application/xhtml+xml', 'IMAGE/SVG+XML ; x=y', ''])
      expect(run(check(), bad, t).v).toMatchObject({ reasons: ['svg:script'] });
    expect(run(check(), bad, 'text/plain').v.kind).toBe('continue');
    expect(run(check(), bad, 'image/png').v.kind).toBe('continue');
  });

  it('two Content-Types are refused', () => {
    const ctx = new RequestContext('POST', {}, 0);
    const v = check().run(ctx, {
      status: 200,
      headers: { 'content-type': ['text/plain', 'image/svg+xml'] },
      body: good,
    });
    expect(v).toMatchObject({ kind: 'deny', reasons: ['svg:content_type'] });
  });

  it('size, element count and depth caps', () => {
    expect(run(check({ max_bytes: 1000 }), good).v).toMatchObject({ reasons: ['svg:too_large'] });
    expect(run(check({ max_elements: 10 }), good).v).toMatchObject({ reasons: ['svg:too_large'] });
    const deep = `<svg xmlns="http://www.w3.org/2000/svg">${'<g>'.repeat(70)}${'</g>'.repeat(70)}</svg>`;
    expect(run(check(), Buffer.from(deep)).v).toMatchObject({ reasons: ['svg:too_large'] });
    expect(run(check({ max_depth: 100 }), Buffer.from(deep)).v.kind).toBe('continue');
  });

  it('an <image> only as a bounded base64 PNG or JPEG', () => {
    const img = (href: string) =>
      Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="${href}"/></svg>`);
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    expect(run(check(), img(png)).v.kind).toBe('continue');
    expect(run(check(), img(png.replace('png', 'jpeg'))).v.kind).toBe('continue');
    expect(run(check({ max_image_bytes: 50 }), img(png)).v).toMatchObject({ reasons: ['svg:image'] });
    expect(run(check(), img('data:image/png,notbase64!')).v).toMatchObject({ reasons: ['svg:image'] });
    expect(run(check(), img('data:image/gif;base64,R0lGOD')).v).toMatchObject({ reasons: ['svg:image'] });
  });

  it('canvas: units, viewBox, one side from the aspect ratio', () => {
    const root = (attrs: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" ${attrs}/>`);
    expect(run(check(), root('width="20cm" height="10cm"')).v.kind).toBe('continue');
    expect(run(check(), root('width="1e5" height="1"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check(), root('width="100in" height="100in"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check(), root('width="100%" height="100%" viewBox="0 0 400 300"')).v.kind).toBe('continue');
    expect(run(check(), root('width="20000pt" viewBox="0 0 10 10"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check(), root('width="10px" viewBox="0 0 1 100000"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check(), root('viewBox="0 0 -1 10"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check(), root('width="-1" height="10"')).v).toMatchObject({ reasons: ['svg:canvas'] });
    expect(run(check({ max_canvas_px: 100 }), root('width="11" height="10"')).v).toMatchObject({
      reasons: ['svg:canvas'],
    });
  });

  it('canaries are looked for in the text content, with entities decoded and whitespace gone', () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg"><text>ro&#111;t:x:0:</text><text><tspan>0: root</tspan></text></svg>`,
    );
    const { v, ctx } = run(check({ action: 'strip' }, ['root:x:0:0:']), svg);
    expect(v).toMatchObject({ kind: 'deny', reasons: ['response:canary'] });
    expect(ctx.inspections![0]).toMatchObject({ action: 'refuse', reasons: ['response:canary'] });
    expect(run(check({}, ['root:x:0:0:']), good).v.kind).toBe('continue');
  });

  it('the CSP and nosniff are configurable, and off when empty / false', () => {
    const v = run(check({ csp: "default-src 'none'; font-src data:", nosniff: false }), good).v as ResponseRewrite;
    expect(v.headers).toEqual({ 'content-security-policy': "default-src 'none'; font-src data:" });
    expect((run(check({ csp: '' }), good).v as ResponseRewrite).headers).toEqual({
      'x-content-type-options': 'nosniff',
    });
  });
});

describe('SVG in a JSON field', () => {
  const bad = readFileSync(join(ATTACK, 'dvisvgm-raw-script.svg'), 'utf8');
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));

  it('is judged when the route names the field; other fields and other types pass', () => {
    const c = check({ json_field: 'svg' });
    expect(run(c, json({ svg: bad, id: 1 }), 'application/json').v).toMatchObject({
      reasons: ['svg:script', 'svg:event_handler'],
    });
    expect(run(c, json({ other: bad }), 'application/json').v.kind).toBe('continue');
    expect(run(check(), json({ svg: bad }), 'application/json').v.kind).toBe('continue');
    const { ctx } = run(c, json({ svg: bad }), 'application/problem+json');
    expect(ctx.inspections![0]).toMatchObject({ kind: 'json_svg', action: 'refuse' });
  });

  it('strip replaces the field with the cleaned SVG and keeps the rest', () => {
    const { v } = run(check({ json_field: 'svg', action: 'strip' }), json({ svg: bad, id: 7 }), 'application/json');
    const out = JSON.parse((v as ResponseRewrite).body!.toString('utf8')) as { svg: string; id: number };
    expect(out.id).toBe(7);
    expect(out.svg).toBe(readFileSync(join(ATTACK, 'dvisvgm-raw-script.stripped.svg'), 'utf8'));
    expect((v as ResponseRewrite).headers).toBeUndefined(); // a JSON answer is not an SVG document
  });

  it('JSON that does not parse is refused', () => {
    expect(run(check({ json_field: 'svg' }), Buffer.from('{"svg": "<svg'), 'application/json').v).toMatchObject({
      reasons: ['svg:malformed'],
    });
  });
});

describe('the writer', () => {
  /** What saxes reads back from a written attribute value / text. */
  function readBack(xml: string): { attr: string; text: string } {
    const p = new SaxesParser({ xmlns: true });
    const out = { attr: '', text: '' };
    p.on('opentag', (t) => {
      if (t.attributes['a'] !== undefined) out.attr = t.attributes['a'].value;
    });
    p.on('text', (t) => (out.text += t));
    p.write(xml).close();
    return out;
  }

  it('escapes so that any value and text parse back to themselves', () => {
    // XML 1.0 characters only: the parser refuses the others, so no document can carry them
    const xmlChar = fc
      .integer({ min: 0x09, max: 0xfffd })
      .filter((c) => c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x20)
      .filter((c) => c < 0xd800 || c > 0xdfff)
      .map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.array(xmlChar, { maxLength: 40 }), fc.array(xmlChar, { maxLength: 40 }), (a, t) => {
        const attr = a.join('');
        const text = t.join('');
        const back = readBack(`<r a="${escapeAttribute(attr)}">${escapeText(text)}</r>`);
        expect(back.attr).toBe(attr);
        expect(back.text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('writes one namespace declaration on the root and unprefixed SVG names', () => {
    const r = stripSvg(
      `<s:svg xmlns:s="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink"><s:use l:href="#a" onclick="x"/></s:svg>`,
      LIMITS,
    );
    expect(r.cleaned).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#a"/></svg>',
    );
  });
});

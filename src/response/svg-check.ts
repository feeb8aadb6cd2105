// The SVG response check of one route: finds the SVG (an XML answer, or a configured field of a JSON answer),
// judges it (svg-inspect.ts) and refuses it, strips it or counts it; every SVG answer gets the CSP and nosniff.
import type { Mode, ResponseCheck, ResponseRewrite, ResponseVerdict, UpstreamResponse } from '../core/check.js';
import type { RequestContext } from '../core/context.js';
import type { ResponseInspection } from '../core/inspection.js';
import { PASS, type ContentMatch } from '../core/verdict.js';
import type { SvgConfig } from './config.js';
import {
  charsetOf,
  headerValue,
  isEncoded,
  isJsonType,
  isXmlType,
  looksLikeMarkup,
  mediaType,
  strictUtf8,
} from './answer.js';
import { inspectSvg, stripSvg, type Finding, type SvgLimits, type SvgResult } from './svg-inspect.js';
import { canaryIn, squeeze } from './canary.js';

/** The module name of the check: the `svg:` of its reasons and the `module` of its refusals. */
export const SVG_CHECK = 'svg';

type Kind = ResponseInspection['kind'];

export interface SvgCheckOptions {
  readonly route: string;
  readonly config: SvgConfig;
  /** The route's canary strings (whitespace removed), looked for in the SVG's text content too; [] when none. */
  readonly canaries: readonly string[];
}

function record(ctx: RequestContext, r: ResponseInspection): void {
  (ctx.inspections ??= []).push(r);
}

function matchesOf(findings: readonly Finding[]): ContentMatch[] {
  return findings.map((f) => ({
    rule: f.reason,
    target: 'response',
    field: f.attribute === '' ? f.element : `${f.element}@${f.attribute}`,
    offset: f.ordinal,
    score: 0,
  }));
}

export function buildSvgCheck(o: SvgCheckOptions): ResponseCheck {
  const c = o.config;
  const mode: Mode = c.mode;
  const strip = c.action === 'strip' && mode === 'enforce';
  const limits: SvgLimits = Object.freeze({
    maxElements: c.max_elements,
    maxDepth: c.max_depth,
    maxImageBytes: c.max_image_bytes,
    canvas: Object.freeze({ maxArea: c.max_canvas_px, maxSide: c.max_side_px }),
  });
  const headers: Record<string, string> = {};
  if (c.csp !== '') headers['content-security-policy'] = c.csp;
  if (c.nosniff) headers['x-content-type-options'] = 'nosniff';
  Object.freeze(headers);
  /** The verdict of a clean SVG answer: let through with the SVG headers (made once). */
  const CLEAN_SVG: ResponseRewrite = Object.freeze({ kind: 'continue', score: 0, reasons: Object.freeze([]), headers });
  const wantText = o.canaries.length !== 0;

  function refuse(
    ctx: RequestContext,
    kind: Kind,
    reasons: readonly string[],
    findings: readonly Finding[],
  ): ResponseVerdict {
    record(ctx, { check: SVG_CHECK, kind, action: mode === 'monitor' ? 'monitor' : 'refuse', reasons, stripped: 0 });
    const matches = matchesOf(findings);
    // Monitor: the reasons become monitor hits (applyVerdict), the answer passes with the SVG headers.
    if (mode === 'monitor') {
      return kind === 'svg'
        ? { kind: 'continue', score: 0, reasons, matches, headers }
        : { kind: 'continue', score: 0, reasons, matches };
    }
    return { kind: 'deny', status: 502, reasons, matches };
  }

  /** Judges one SVG text: null when clean, else the verdict (refusal, monitor hit, or the cleaned text). */
  function judge(
    ctx: RequestContext,
    kind: Kind,
    text: string,
  ): { verdict: ResponseVerdict } | { cleaned: string } | null {
    const r: SvgResult & { readonly cleaned?: string | null } = strip
      ? stripSvg(text, limits, wantText)
      : inspectSvg(text, limits, wantText);
    if (wantText && !r.whole && canaryIn(squeeze(r.text), o.canaries)) {
      return {
        verdict: refuse(
          ctx,
          kind,
          ['response:canary'],
          [{ reason: 'response:canary', element: 'text', attribute: '', ordinal: 0 }],
        ),
      };
    }
    if (r.reasons.length === 0) {
      record(ctx, { check: SVG_CHECK, kind, action: 'pass', reasons: r.reasons, stripped: 0 });
      return null;
    }
    if (strip && !r.whole && typeof r.cleaned === 'string') {
      record(ctx, { check: SVG_CHECK, kind, action: 'strip', reasons: r.reasons, stripped: r.count });
      ctx.matches.push(...matchesOf(r.findings));
      return { cleaned: r.cleaned };
    }
    return { verdict: refuse(ctx, kind, r.reasons, r.findings) };
  }

  function whole(ctx: RequestContext, kind: Kind, reason: string): ResponseVerdict {
    return refuse(ctx, kind, [reason], [{ reason, element: '', attribute: '', ordinal: 0 }]);
  }

  function svgAnswer(ctx: RequestContext, res: UpstreamResponse, contentType: string): ResponseVerdict {
    const body = res.body!;
    if (isEncoded(res.headers['content-encoding'])) return whole(ctx, 'svg', 'svg:content_encoding');
    const charset = charsetOf(contentType);
    if (charset !== '' && charset !== 'utf-8') return whole(ctx, 'svg', 'svg:encoding');
    if (body.length === 0) return CLEAN_SVG; // nothing to render (HEAD, 204)
    if (body.length > c.max_bytes) return whole(ctx, 'svg', 'svg:too_large');
    const text = strictUtf8(body);
    if (text === null) return whole(ctx, 'svg', 'svg:encoding');
    const j = judge(ctx, 'svg', text);
    if (j === null) return CLEAN_SVG;
    if ('verdict' in j) return j.verdict;
    return { kind: 'continue', score: 0, reasons: [], headers, body: Buffer.from(j.cleaned, 'utf8') };
  }

  function jsonAnswer(ctx: RequestContext, res: UpstreamResponse, field: string): ResponseVerdict {
    const body = res.body!;
    if (isEncoded(res.headers['content-encoding'])) return whole(ctx, 'json_svg', 'svg:content_encoding');
    if (body.length === 0) return PASS;
    const text = strictUtf8(body);
    let doc: unknown;
    try {
      doc = text === null ? undefined : JSON.parse(text);
    } catch {
      doc = undefined;
    }
    if (doc === undefined) return whole(ctx, 'json_svg', 'svg:malformed');
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return PASS;
    const svg = (doc as Record<string, unknown>)[field];
    if (typeof svg !== 'string') return PASS;
    if (Buffer.byteLength(svg, 'utf8') > c.max_bytes) return whole(ctx, 'json_svg', 'svg:too_large');
    if (svg.charCodeAt(0) === 0xfeff) return whole(ctx, 'json_svg', 'svg:encoding');
    const j = judge(ctx, 'json_svg', svg);
    if (j === null) return PASS;
    if ('verdict' in j) return j.verdict;
    (doc as Record<string, unknown>)[field] = j.cleaned;
    return { kind: 'continue', score: 0, reasons: [], body: Buffer.from(JSON.stringify(doc), 'utf8') };
  }

  return Object.freeze({
    name: SVG_CHECK,
    mode,
    needsBody: true,
    routes: new Set([o.route]),
    run(ctx: RequestContext, res: UpstreamResponse): ResponseVerdict {
      const body = res.body;
      if (body === null) return PASS;
      const ct = res.headers['content-type'];
      // Two Content-Types: browsers and the gateway could pick different ones.
      if (Array.isArray(ct) && ct.length > 1) return whole(ctx, 'any', 'svg:content_type');
      const contentType = headerValue(ct);
      const media = mediaType(contentType);
      if (isXmlType(media) || (media === '' && looksLikeMarkup(body))) return svgAnswer(ctx, res, contentType);
      if (c.json_field !== undefined && isJsonType(media)) return jsonAnswer(ctx, res, c.json_field);
      return PASS;
    },
  });
}

// SVG inspection: a strict XML parse (saxes: well-formed XML 1.0 with namespaces, no DTD, only the predefined and
// numeric entities) judged against the allow-list of svg-policy.ts, and, for strip, a second pass that writes the
// document again without what was found. The cleaned document is parsed and judged once more before it is used.
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS, type XMLDecl } from 'saxes';
import {
  ATTRIBUTES,
  ELEMENTS,
  FRAGMENT,
  IMAGE_DATA,
  NAMED,
  SVG_NS,
  URL_ATTRIBUTES,
  WHOLE_DOCUMENT,
  XLINK_NS,
  XML_NS,
  XMLNS_NS,
} from './svg-policy.js';
import { cssFinding, urlAttributeFinding } from './css.js';
import { canvasOk, type CanvasLimits } from './canvas.js';

export interface SvgLimits {
  readonly maxElements: number;
  readonly maxDepth: number;
  readonly maxImageBytes: number;
  readonly canvas: CanvasLimits;
}

/** One thing not allowed: where it is (element and attribute names as written, bounded), never its content. */
export interface Finding {
  readonly reason: string;
  readonly element: string;
  readonly attribute: string;
  /** Ordinal of the element in document order (1 = root), 0 for the document as a whole. */
  readonly ordinal: number;
}

export interface SvgResult {
  /** Up to MAX_FINDINGS findings, in document order. */
  readonly findings: readonly Finding[];
  /** Distinct reasons, in order of first appearance. */
  readonly reasons: readonly string[];
  /** True when a finding cannot be stripped (malformed, too large, canvas ...): the document is refused whole. */
  readonly whole: boolean;
  /** The text content (text and CDATA nodes, concatenated), when asked for; '' otherwise. */
  readonly text: string;
  /** Every finding, counted (the list keeps the first MAX_FINDINGS): what strip removes. */
  readonly count: number;
}

const MAX_FINDINGS = 32;
const NAME_CHARS = 64;

/** Stops the parse at a cap or a whole-document finding (a value, not a fault: caught below). */
class Stop extends Error {}

/** What the judging pass learns per element, for the writing pass: removed elements and removed attributes. */
interface Plan {
  readonly removeElements: Set<number>;
  readonly removeAttributes: Map<number, Set<string>>;
}

class Judge implements Sink {
  readonly findings: Finding[] = [];
  readonly reasons: string[] = [];
  whole = false;
  count = 0;
  ordinal = 0;
  depth = 0;
  private sawRoot = false;
  /** Depth inside an element already removed: its content goes with it, judged only for the caps. */
  private removedDepth = 0;
  readonly plan: Plan = { removeElements: new Set(), removeAttributes: new Map() };
  /** Ids of open elements (null when none), outermost first: a `<use>` marks its ancestors as holding one. */
  private readonly ids: (string | null)[] = [];
  private readonly ordinals: number[] = [];
  private readonly holdsUse = new Set<string>();
  private readonly useTargets = new Set<string>();
  /** The open `<style>` element's ordinal, and its text so far. */
  private styleOrdinal = 0;
  private styleText = '';
  readonly textParts: string[] | null;

  constructor(
    private readonly limits: SvgLimits,
    wantText: boolean,
  ) {
    this.textParts = wantText ? [] : null;
  }

  find(reason: string, element: string, attribute: string, ordinal: number): void {
    this.count++;
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
    if (WHOLE_DOCUMENT.has(reason)) this.whole = true;
    if (this.findings.length < MAX_FINDINGS) {
      this.findings.push({
        reason,
        element: element.slice(0, NAME_CHARS),
        attribute: attribute.slice(0, NAME_CHARS),
        ordinal,
      });
    }
  }

  stop(reason: string, element = '', attribute = ''): never {
    this.find(reason, element, attribute, this.ordinal);
    throw new Stop(reason);
  }

  doctype(): never {
    return this.stop('svg:doctype');
  }

  pi(target: string): void {
    this.find('svg:pi', `?${target}`, '', this.ordinal);
  }

  xmldecl(version: string | undefined, encoding: string | undefined): void {
    if (version !== undefined && version !== '1.0') this.stop('svg:malformed');
    if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') this.stop('svg:encoding');
  }

  open(tag: SaxesTagNS): void {
    const n = ++this.ordinal;
    if (n > this.limits.maxElements) this.stop('svg:too_large');
    if (++this.depth > this.limits.maxDepth) this.stop('svg:too_large');
    const local = tag.local;
    const attrs = tag.attributes;
    this.ordinals.push(n);
    if (this.removedDepth !== 0) {
      this.removedDepth++;
      this.ids.push(null);
      return;
    }
    if (!this.sawRoot) {
      this.sawRoot = true;
      if (local !== 'svg' || tag.uri !== SVG_NS) this.stop('svg:root', tag.name);
      const w = attrs['width']?.value;
      const h = attrs['height']?.value;
      const vb = attrs['viewBox']?.value;
      if (!canvasOk(w, h, vb, this.limits.canvas)) this.stop('svg:canvas', tag.name);
    } else if (local === 'svg') {
      this.removeElement('svg:element', tag.name, n);
    }
    const idAttr = attrs['id'];
    this.ids.push(idAttr !== undefined && idAttr.uri === '' ? idAttr.value : null);
    const named = NAMED.get(local);
    if (named !== undefined) this.removeElement(named, tag.name, n);
    else if (tag.uri !== SVG_NS) this.removeElement('svg:namespace', tag.name, n);
    else if (!ELEMENTS.has(local)) this.removeElement('svg:element', tag.name, n);
    if (this.removedDepth !== 0) return;
    for (const key in attrs) this.attribute(local, tag.name, attrs[key]!, n);
    if (local === 'style') {
      this.styleOrdinal = n;
      this.styleText = '';
    }
  }

  private removeElement(reason: string, name: string, n: number): void {
    this.find(reason, name, '', n);
    this.plan.removeElements.add(n);
    this.removedDepth = 1;
  }

  private removeAttribute(reason: string, element: string, a: SaxesAttributeNS, n: number): void {
    this.find(reason, element, a.name, n);
    let set = this.plan.removeAttributes.get(n);
    if (set === undefined) this.plan.removeAttributes.set(n, (set = new Set()));
    set.add(a.name);
  }

  private attribute(local: string, element: string, a: SaxesAttributeNS, n: number): void {
    const uri = a.uri;
    if (uri === '') {
      const name = a.local;
      if (name.length > 1 && (name.charCodeAt(0) | 32) === 111 && (name.charCodeAt(1) | 32) === 110) {
        this.removeAttribute('svg:event_handler', element, a, n); // on* in any case
      } else if (!ATTRIBUTES.has(name)) {
        this.removeAttribute(name === 'xmlns' ? this.declaration(a) : 'svg:attribute', element, a, n);
      } else if (name === 'href') {
        this.href(local, element, a, n);
      } else if (name === 'style') {
        const r = cssFinding(a.value);
        if (r !== '') this.removeAttribute(r, element, a, n);
      } else if (URL_ATTRIBUTES.has(name) && a.value.includes('(')) {
        const r = urlAttributeFinding(a.value);
        if (r !== '') this.removeAttribute(r, element, a, n);
      }
    } else if (uri === XLINK_NS) {
      if (a.local === 'href') this.href(local, element, a, n);
      else this.removeAttribute('svg:attribute', element, a, n);
    } else if (uri === XMLNS_NS) {
      const r = this.declaration(a);
      if (r !== '') this.removeAttribute(r, element, a, n);
    } else if (uri === XML_NS) {
      if (a.local !== 'space' && a.local !== 'lang') this.removeAttribute('svg:attribute', element, a, n);
    } else {
      this.removeAttribute('svg:namespace', element, a, n);
    }
  }

  /** Namespace declarations: only the SVG namespace (default or prefixed) and XLink. */
  private declaration(a: SaxesAttributeNS): string {
    if (a.value === SVG_NS) return '';
    if (a.value === XLINK_NS && a.prefix === 'xmlns') return '';
    return 'svg:namespace';
  }

  private href(local: string, element: string, a: SaxesAttributeNS, n: number): void {
    const v = a.value;
    if (local === 'image') {
      if (v.length <= this.limits.maxImageBytes && IMAGE_DATA.test(v)) return;
      this.removeAttribute(isScriptUrl(v) ? 'svg:script' : 'svg:image', element, a, n);
      return;
    }
    if (FRAGMENT.test(v)) {
      if (local === 'use') {
        this.useTargets.add(v.slice(1));
        for (const id of this.ids) if (id !== null) this.holdsUse.add(id);
      }
      return;
    }
    this.removeAttribute(isScriptUrl(v) ? 'svg:script' : 'svg:external_ref', element, a, n);
  }

  text(t: string): void {
    if (this.removedDepth !== 0) return;
    if (this.styleOrdinal !== 0) this.styleText += t;
    if (this.textParts !== null) this.textParts.push(t);
  }

  close(tag: SaxesTagNS): void {
    const n = this.ordinals.pop()!;
    this.ids.pop();
    this.depth--;
    if (this.removedDepth !== 0) {
      this.removedDepth--;
      return;
    }
    if (n === this.styleOrdinal) {
      this.styleOrdinal = 0;
      const r = cssFinding(this.styleText);
      if (r !== '') {
        // Judged at its end, so it is removed without a removed subtree to skip (there is none left).
        this.find(r, tag.name, '', n);
        this.plan.removeElements.add(n);
      }
    }
  }

  end(): void {
    for (const target of this.useTargets) {
      if (this.holdsUse.has(target)) this.stop('svg:use_nesting', 'use', 'href');
    }
  }
}

/** `javascript:` however it is spelled inside a URL a browser would still run: case, controls and whitespace. */
function isScriptUrl(v: string): boolean {
  // eslint-disable-next-line no-control-regex
  const squeezed = v.replace(/[\u0000-\u0020\u007f-\u00a0]+/g, '').toLowerCase();
  return squeezed.startsWith('javascript:') || squeezed.startsWith('vbscript:');
}

/** The writing pass: the document again, without what the judging pass planned to remove. */
class Writer implements Sink {
  readonly out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  ordinal = 0;
  /** Depth inside a removed element (0: writing). */
  skip = 0;
  /** Per open element: whether its end tag is written. */
  readonly openTags: boolean[] = [];
  inRoot = false;

  constructor(readonly plan: Plan) {}

  open(tag: SaxesTagNS): void {
    writeOpen(this, tag);
  }
  close(tag: SaxesTagNS): void {
    writeClose(this, tag);
  }
  text(t: string): void {
    writeText(this, t);
  }
  xmldecl(): void {
    // written once, as UTF-8 1.0, at the start of out
  }
  doctype(): never {
    throw new Stop('svg:doctype'); // the judge refused it before any writing
  }
  pi(): void {
    // processing instructions are never written
  }
}

/** What one pass over the document does with the parser's events. */
interface Sink {
  open(tag: SaxesTagNS): void;
  close(tag: SaxesTagNS): void;
  text(t: string): void;
  xmldecl(version: string | undefined, encoding: string | undefined): void;
  /** A DOCTYPE: never allowed (no DTD, so no entity but the five predefined and numeric references). */
  doctype(): never;
  pi(target: string): void;
}

/**
 * saxes with its handlers set in the constructor. Set with on(), after construction, eight handler properties
 * turn the parser into a dictionary-mode object in V8 (every `this.i` a hash lookup): measured 2.6 ms instead of
 * 0.3 ms for a 30 KB SVG (bench/svg-micro.mjs). Assigned here they are part of the instance's fast shape.
 */
class SvgParser extends SaxesParser<{ xmlns: true; position: false }> {
  constructor(sink: Sink) {
    super({ xmlns: true, position: false });
    // @ts-expect-error saxes declares its handler fields private; the names are its EVENT_NAME_TO_HANDLER_NAME's
    this.openTagHandler = (t: SaxesTagNS) => sink.open(t);
    // @ts-expect-error as above
    this.closeTagHandler = (t: SaxesTagNS) => sink.close(t);
    // @ts-expect-error as above
    this.textHandler = (t: string) => sink.text(t);
    // @ts-expect-error as above
    this.cdataHandler = (t: string) => sink.text(t);
    // @ts-expect-error as above
    this.xmldeclHandler = (d: XMLDecl) => sink.xmldecl(d.version, d.encoding);
    // @ts-expect-error as above
    this.doctypeHandler = () => sink.doctype();
    // @ts-expect-error as above
    this.piHandler = (pi: { target: string }) => sink.pi(pi.target);
    // @ts-expect-error as above
    this.errorHandler = (err: Error) => {
      throw err; // not well-formed: the parse stops here (svg:malformed)
    };
  }
}

function run(text: string, sink: Sink): void {
  new SvgParser(sink).write(text).close();
}

function writeOpen(w: Writer, tag: SaxesTagNS): void {
  const n = ++w.ordinal;
  if (w.skip !== 0 || w.plan.removeElements.has(n)) {
    w.skip++;
    return;
  }
  const out = w.out;
  const root = !w.inRoot;
  w.inRoot = true;
  out.push('<', tag.local);
  if (root) out.push(` xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}"`);
  const drop = w.plan.removeAttributes.get(n);
  const attrs = tag.attributes;
  for (const key in attrs) {
    const a = attrs[key]!;
    if (a.uri === XMLNS_NS || (a.uri === '' && a.local === 'xmlns')) continue; // declared once, on the root
    if (drop !== undefined && drop.has(a.name)) continue;
    const name = a.uri === XLINK_NS ? `xlink:${a.local}` : a.uri === XML_NS ? `xml:${a.local}` : a.local;
    out.push(' ', name, '="', escapeAttribute(a.value), '"');
  }
  out.push(tag.isSelfClosing ? '/>' : '>');
  w.openTags.push(!tag.isSelfClosing);
}

function writeClose(w: Writer, tag: SaxesTagNS): void {
  if (w.skip !== 0) {
    w.skip--;
    return;
  }
  if (w.openTags.pop() === true) w.out.push('</', tag.local, '>');
}

function writeText(w: Writer, t: string): void {
  if (w.skip !== 0 || !w.inRoot || w.openTags.length === 0) return;
  w.out.push(escapeText(t));
}

const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** An attribute value written in double quotes that parses back to exactly `v` (whitespace kept as references). */
export function escapeAttribute(v: string): string {
  return v.replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c]!);
}

/** Text content that parses back to exactly `t` (`]]>` and a carriage return included). */
export function escapeText(t: string): string {
  return t.replace(/[&<>\r]/g, (c) => ATTR_ESCAPES[c]!);
}

function result(j: Judge): SvgResult {
  return {
    findings: j.findings,
    reasons: j.reasons,
    whole: j.whole,
    text: j.textParts === null ? '' : j.textParts.join(''),
    count: j.count,
  };
}

function malformed(j: Judge): void {
  j.find('svg:malformed', '', '', 0);
}

/** The judging pass: a Judge that has seen the whole document, or stopped (a refusal, or malformed XML). */
function judge(text: string, limits: SvgLimits, wantText: boolean): { readonly j: Judge; readonly stopped: boolean } {
  const j = new Judge(limits, wantText);
  try {
    run(text, j);
    j.end();
    return { j, stopped: false };
  } catch (err) {
    if (!(err instanceof Stop)) malformed(j);
    return { j, stopped: true };
  }
}

/** Judges a decoded SVG document. `wantText`: also collect its text content (for canaries). */
export function inspectSvg(text: string, limits: SvgLimits, wantText = false): SvgResult {
  return result(judge(text, limits, wantText).j);
}

/**
 * Judges, then, when everything found can be stripped, writes the document without it and judges the result again
 * (it must be clean). `cleaned` is null when nothing was found, or when the document must be refused whole.
 */
export function stripSvg(
  text: string,
  limits: SvgLimits,
  wantText = false,
): SvgResult & { readonly cleaned: string | null } {
  const { j, stopped } = judge(text, limits, wantText);
  if (stopped) return { ...result(j), cleaned: null };
  const first = result(j);
  if (first.reasons.length === 0 || first.whole) return { ...first, cleaned: null };
  const w = new Writer(j.plan);
  run(text, w);
  const cleaned = w.out.join('');
  const again = inspectSvg(cleaned, limits, false);
  if (again.reasons.length !== 0) {
    // The writer must never produce what the judge refuses; if it did, refuse the document rather than guess.
    return { ...first, whole: true, cleaned: null };
  }
  return { ...first, cleaned };
}

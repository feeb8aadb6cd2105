// What one request offers the rules: its texts as segments (a code field, a header line, the path ...),
// grouped into the sets rule groups read. Transformed texts are memoised per segment and chain.
import type { IncomingHttpHeaders } from 'node:http';
import type { DecodedField } from '../core/decoded.js';
import { fingerprint } from './clean-cache.js';
import { KIND } from './compile.js';
import { hasPercentEscape, urlDecode } from './transforms/url.js';
import { applyChain, type Transform, type Trigger } from './transforms/index.js';

export interface InspectInput {
  /** Route name, or null when no route matched. */
  readonly route: string | null;
  /** Identity tier (for the positive model). */
  readonly tier: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** Decoded body fields (code and not). */
  readonly fields: readonly DecodedField[];
  /** The raw body, for `body` rules. */
  readonly body: Buffer | null;
}

/** What the web memory knows clean (kind, field or header name, and the value as received). */
export interface KnownClean {
  has(kind: number, name: string, value: string): boolean;
}

export class Segment {
  /** Set when any rule or policy matched this segment (it is then not remembered as clean). */
  dirty = false;
  /** The fingerprint of `key` (clean-cache.ts), computed once for the lookup and the remembering. */
  private fp: number | undefined = undefined;
  /** The percent-decoded view, when the value holds escapes (undefined: not computed yet). */
  private viewText: string | null | undefined = undefined;
  // One chain's result kept in fields (the common case: one chain per segment set), more in a map.
  private key1: string | null = null;
  private val1 = '';
  private more: Map<string, string> | null = null;

  constructor(
    readonly kind: number,
    /** Field name, header name, or '' (path, query, body). */
    readonly name: string,
    /** Where it sits, as reported in matches: the field's path, the header name, or null. */
    readonly field: string | null,
    readonly value: string,
    /** What the clean-text memory knows it by: the value, or for a header line the header's value alone. */
    readonly key: string = value,
    /** The bytes as received, when the segment is the raw body: rules without transforms read them as is. */
    readonly raw: Buffer | null = null,
  ) {}

  get fingerprint(): number {
    return (this.fp ??= fingerprint(this.key));
  }

  get view(): string | null {
    if (this.viewText === undefined) this.viewText = hasPercentEscape(this.value) ? urlDecode(this.value) : null;
    return this.viewText;
  }

  /** The value (or its decoded view) through a chain, computed once (a trigger miss is remembered too). */
  text(chainKey: string, chain: readonly Transform[], decoded: boolean, trigger: Trigger | null = null): string {
    if (chain.length === 0) return decoded ? (this.view ?? this.value) : this.value;
    const key = decoded ? `%${chainKey}` : chainKey;
    if (this.key1 === key) return this.val1;
    const hit = this.more?.get(key);
    if (hit !== undefined) return hit;
    const source = decoded ? (this.view ?? this.value) : this.value;
    const out = trigger !== null && !trigger.test(source) ? source : applyChain(chain, source);
    if (this.key1 === null) {
      this.key1 = key;
      this.val1 = out;
    } else (this.more ??= new Map()).set(key, out);
    return out;
  }
}

export interface Segments {
  readonly code: readonly Segment[];
  readonly web: readonly Segment[];
  readonly body: readonly Segment[];
}

const NO_SEGMENTS: readonly Segment[] = Object.freeze([]);

/**
 * A code field sent several times (a JSON array, a repeated form field) may be joined by the service
 * before it compiles: `["\\inp", "ut{/etc/passwd}"]`. Each field name with several pieces gets two more
 * segments, its pieces joined as they are and joined by line breaks.
 */
function joinPieces(code: Segment[]): void {
  const byName = new Map<string, string[]>();
  for (const seg of code) {
    const list = byName.get(seg.name);
    if (list === undefined) byName.set(seg.name, [seg.value]);
    else list.push(seg.value);
  }
  for (const [name, pieces] of byName) {
    if (pieces.length < 2) continue;
    code.push(new Segment(KIND.code, name, `${name}[*]`, pieces.join('')));
    code.push(new Segment(KIND.code, name, `${name}[*]`, pieces.join('\n')));
  }
}

/**
 * Splits a request into segments. `wantBody`: some rule reads the raw body. `known`: the web memory; a web
 * value it knows clean gets no segment at all (most header values repeat from request to request).
 */
export function segmentsOf(
  input: InspectInput,
  skipHeaders: ReadonlySet<string>,
  wantBody: boolean,
  known: KnownClean | null,
): Segments {
  const code: Segment[] = [];
  const web: Segment[] = [];
  for (const f of input.fields) {
    if (f.code) code.push(new Segment(KIND.code, f.name, f.path, f.value));
    else if (known?.has(KIND.fields, f.name, f.value) !== true)
      web.push(new Segment(KIND.fields, f.name, f.path, f.value));
  }
  if (known?.has(KIND.path, '', input.path) !== true) web.push(new Segment(KIND.path, '', null, input.path));
  if (input.query !== '' && known?.has(KIND.query, '', input.query) !== true)
    web.push(new Segment(KIND.query, '', null, input.query));
  const h = input.headers;
  for (const name in h) {
    if (skipHeaders.has(name)) continue;
    const v = h[name];
    if (v === undefined) continue;
    if (typeof v === 'string') {
      if (known?.has(KIND.headers, name, v) !== true)
        web.push(new Segment(KIND.headers, name, name, `${name}: ${v}`, v));
    } else {
      for (const one of v)
        if (known?.has(KIND.headers, name, one) !== true)
          web.push(new Segment(KIND.headers, name, name, `${name}: ${one}`, one));
    }
  }
  if (code.length > 1) joinPieces(code);
  const body =
    wantBody && input.body !== null && input.body.length > 0
      ? [new Segment(KIND.body, '', null, input.body.toString('utf8'), undefined, input.body)]
      : NO_SEGMENTS;
  return { code: code.length > 0 ? code : NO_SEGMENTS, web, body };
}

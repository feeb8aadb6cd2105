// The decoded request body: the string fields later checks (signatures) look at, with their names. In core/
// because the request context carries it and every layer above reads it.

export interface DecodedField {
  /** The field's own key (`tikz_code`), or '' for array items and scalars at the root. */
  readonly name: string;
  /** Where it sits: `tikz_code`, `items[2].tikz_code`, `[0]`. Never used as a metric label. */
  readonly path: string;
  readonly value: string;
  /** True when `name` is one of the route's code fields (TeX). */
  readonly code: boolean;
}

export type BodyType = 'json' | 'form' | 'other';

export interface DecodedBody {
  readonly type: BodyType;
  readonly fields: readonly DecodedField[];
  /**
   * A JSON body's document as JSON.parse gave it, for readers that need every leaf and not only the string
   * fields (crs/input.ts's ARGS): the body is parsed once. Never written.
   */
  readonly document?: unknown;
}

// Per-route decoding limits, derived once from the route config.
import type { RouteConfig } from '../config/schema.js';
import { codeFieldNames } from './code-fields.js';

export interface BodyLimits {
  readonly codeFields: ReadonlySet<string>;
  readonly maxFieldChars: number;
  readonly maxCodeFieldBytes: number;
  readonly maxBatchItems: number;
  readonly maxDepth: number;
}

export function bodyLimits(r: RouteConfig): BodyLimits {
  const codeFields = new Set(r.code_fields);
  codeFieldNames(codeFields); // fold the names now, at build time, not on the first request
  return Object.freeze({
    codeFields,
    maxFieldChars: r.max_field_chars,
    maxCodeFieldBytes: r.max_code_field_bytes,
    maxBatchItems: r.max_batch_items,
    maxDepth: r.max_json_depth,
  });
}

/** Length check for one string field; returns a reason code or null. */
export function fieldTooLong(value: string, code: boolean, l: BodyLimits): string | null {
  if (code) {
    // UTF-8 is at most 3 bytes per UTF-16 unit: skip the byte count when it cannot matter.
    if (value.length * 3 <= l.maxCodeFieldBytes) return null;
    return Buffer.byteLength(value, 'utf8') > l.maxCodeFieldBytes ? 'code_field_too_long' : null;
  }
  return value.length > l.maxFieldChars ? 'field_too_long' : null;
}

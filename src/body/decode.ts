// Decodes an inspected body by its media type into named fields, or says why it cannot be trusted.
import { isUtf8 } from 'node:buffer';
import type { DecodeResult } from './json.js';
import { decodeJson } from './json.js';
import { decodeForm } from './form.js';
import { fieldTooLong, type BodyLimits } from './limits.js';

const EMPTY: DecodeResult = Object.freeze({ ok: true, body: Object.freeze({ type: 'other', fields: [] }) });

export function decodeBody(raw: Buffer, mediaType: string | null, limits: BodyLimits): DecodeResult {
  if (raw.length === 0) return EMPTY;
  if (!isUtf8(raw)) return { ok: false, code: 'body_bad_utf8' };
  const text = raw.toString('utf8');
  if (mediaType === 'application/json' || (mediaType !== null && mediaType.endsWith('+json'))) {
    return decodeJson(text, limits);
  }
  if (mediaType === 'application/x-www-form-urlencoded') return decodeForm(text, limits);
  // Any other allowed type (text/plain, application/x-tex): the whole body is one field.
  const code = limits.codeFields.has('');
  const tooLong = fieldTooLong(text, code, limits);
  if (tooLong !== null) return { ok: false, code: tooLong };
  return { ok: true, body: { type: 'other', fields: [{ name: '', path: '', value: text, code }] } };
}

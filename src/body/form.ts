// application/x-www-form-urlencoded decoding: strict percent-decoding, repeated field names refused,
// code fields recognised under any spelling a backend would read as theirs (code-fields.ts).
import type { DecodedField } from '../core/decoded.js';
import type { DecodeResult } from './json.js';
import { fieldTooLong, type BodyLimits } from './limits.js';
import { codeFieldNames } from './code-fields.js';

function decodePart(s: string): string | null {
  const plus = s.indexOf('+') === -1 ? s : s.replace(/\+/g, ' ');
  if (plus.indexOf('%') === -1) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return null; // malformed escape or invalid UTF-8: refused, never guessed
  }
}

export function decodeForm(text: string, limits: BodyLimits): DecodeResult {
  const fields: DecodedField[] = [];
  const seen = new Set<string>();
  const names = codeFieldNames(limits.codeFields);
  // Code fields seen so far: the first in a variable (the common case allocates nothing), others listed.
  let first: string | null = null;
  let more: string[] | null = null;
  if (text.length === 0) return { ok: true, body: { type: 'form', fields } };
  const pairs = text.split('&');
  if (pairs.length > limits.maxBatchItems * 10) return { ok: false, code: 'form_too_many_fields' };
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const name = decodePart(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodePart(eq === -1 ? '' : pair.slice(eq + 1));
    if (name === null || value === null) return { ok: false, code: 'form_malformed' };
    if (seen.has(name)) return { ok: false, code: 'form_repeated_field' };
    seen.add(name);
    const canonical = names.canonical(name);
    const code = canonical !== null;
    if (code) {
      // `tikz_code` and `tikz_code[0]`, or `Tikz_Code`: one code field twice, read as either by a backend.
      if (first === null) first = canonical;
      else if (first === canonical || more?.includes(canonical) === true)
        return { ok: false, code: 'code_field_repeated' };
      else (more ??= []).push(canonical);
    }
    const tooLong = fieldTooLong(value, code, limits);
    if (tooLong !== null) return { ok: false, code: tooLong };
    fields.push({ name, path: name, value, code });
  }
  return { ok: true, body: { type: 'form', fields } };
}

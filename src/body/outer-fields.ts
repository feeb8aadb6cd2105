// Code fields outside the body: query parameters and cookies named as a route's code field (PHP's $_REQUEST
// merges both with the body), found, checked for repetition and added to the inspected fields.
import { fieldTooLong, type BodyLimits } from './limits.js';
import type { DecodedField } from '../core/decoded.js';
import type { CodeFieldNames } from './code-fields.js';

/** A code field found outside the body: in the query string or a cookie. */
export interface OuterCodeField {
  readonly source: 'query' | 'cookie';
  readonly name: string;
  readonly canonical: string;
  /** Decoded value, or null when it cannot be decoded (malformed escape, invalid UTF-8). */
  readonly value: string | null;
}

function decodePart(s: string, plus: boolean): string | null {
  const spaced = plus && s.indexOf('+') !== -1 ? s.replace(/\+/g, ' ') : s;
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return null;
  }
}

/**
 * Code fields named in the query string and the Cookie header (PHP's $_REQUEST merges both with the
 * body). Returns null in the common case (none), so nothing is allocated for it.
 */
export function outerCodeFields(
  query: string,
  cookie: string | string[] | undefined,
  names: CodeFieldNames,
): OuterCodeField[] | null {
  let out: OuterCodeField[] | null = null;
  if (query !== '') {
    let start = 0;
    while (start <= query.length) {
      let end = query.indexOf('&', start);
      if (end === -1) end = query.length;
      if (end > start) {
        const eq = query.indexOf('=', start);
        const cut = eq === -1 || eq > end ? end : eq;
        const rawName = query.slice(start, cut);
        const name = decodePart(rawName, true) ?? rawName;
        const canonical = names.canonical(name);
        if (canonical !== null) {
          const value = cut === end ? '' : decodePart(query.slice(cut + 1, end), true);
          (out ??= []).push({ source: 'query', name, canonical, value });
        }
      }
      start = end + 1;
    }
  }
  if (cookie !== undefined) {
    const text = typeof cookie === 'string' ? cookie : cookie.join('; ');
    for (const pair of text.split(';')) {
      const eq = pair.indexOf('=');
      const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
      if (name === '') continue;
      const canonical = names.canonical(name);
      if (canonical === null) continue;
      // PHP url-decodes cookie values (`+` included) before $_COOKIE / $_REQUEST see them.
      let raw = eq === -1 ? '' : pair.slice(eq + 1).trim();
      if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
      (out ??= []).push({ source: 'cookie', name, canonical, value: decodePart(raw, true) });
    }
  }
  return out;
}

/** Reason code when the same code field arrives twice among the query and cookie fields, else null. */
export function outerRepeated(outer: readonly OuterCodeField[]): string | null {
  for (let i = 1; i < outer.length; i++) {
    for (let j = 0; j < i; j++) if (outer[i]!.canonical === outer[j]!.canonical) return 'code_field_repeated';
  }
  return null;
}

/**
 * Adds the query and cookie code fields to the body's fields, refusing a code field the body carries too
 * (which of the two a backend reads depends on its framework: the gateway cannot know which it judged).
 */
export function mergeOuter(
  fields: readonly DecodedField[],
  outer: readonly OuterCodeField[],
  names: CodeFieldNames,
  limits: BodyLimits,
): { ok: true; fields: DecodedField[] } | { ok: false; code: string } {
  const repeated = outerRepeated(outer);
  if (repeated !== null) return { ok: false, code: repeated };
  for (const f of fields) {
    if (!f.code) continue;
    const mentioned = names.all(f.path === '' ? f.name : f.path);
    for (const o of outer) if (mentioned.includes(o.canonical)) return { ok: false, code: 'code_field_repeated' };
  }
  const merged = fields.slice();
  for (const o of outer) {
    if (o.value === null) return { ok: false, code: 'code_field_malformed' };
    const tooLong = fieldTooLong(o.value, true, limits);
    if (tooLong !== null) return { ok: false, code: tooLong };
    merged.push({
      name: o.name,
      path: o.source === 'query' ? `?${o.name}` : `cookie:${o.name}`,
      value: o.value,
      code: true,
    });
  }
  return { ok: true, fields: merged };
}

// JSON body decoding: strict parse, duplicate keys refused, string fields collected under their names.
import type { DecodedBody, DecodedField } from '../core/decoded.js';
import { fieldTooLong, type BodyLimits } from './limits.js';
import { codeFieldNames, type CodeFieldNames } from './code-fields.js';

export type DecodeResult = { ok: true; body: DecodedBody } | { ok: false; code: string };

/**
 * Counts object keys in JSON text that JSON.parse accepted: every string followed by ':' is a key.
 * Fewer distinct keys in the parsed tree than here means a key was repeated (JSON.parse keeps the last
 * one silently, while another parser upstream might keep the first: an ambiguity an attacker can use).
 */
export function countKeys(s: string): number {
  let keys = 0;
  let i = 0;
  for (;;) {
    const open = s.indexOf('"', i);
    if (open === -1) return keys;
    let close = open + 1;
    for (;;) {
      close = s.indexOf('"', close);
      if (close === -1) return keys;
      let k = close - 1;
      while (s.charCodeAt(k) === 92) k--;
      if (((close - 1 - k) & 1) === 0) break; // even number of backslashes: a real quote
      close++;
    }
    let m = close + 1;
    let c = s.charCodeAt(m);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++m);
    if (c === 58) keys++;
    i = m;
  }
}

class Walker {
  readonly fields: DecodedField[] = [];
  keys = 0;
  error = '';
  private readonly names: CodeFieldNames;
  constructor(private readonly l: BodyLimits) {
    this.names = codeFieldNames(l.codeFields);
  }

  /**
   * `code`: the value sits under a key naming a code field (`tikz_code`, `Tikz_Code`, `a[tikz_code]`, or an
   * ancestor's: `{"tikz_code": {"0": ...}}` is what `tikz_code[0]` means to PHP and qs).
   */
  walk(v: unknown, name: string, path: string, depth: number, code: boolean): void {
    if (this.error !== '') return;
    if (typeof v === 'string') {
      // Root scalars and root array items have no key: they are code only when '' is a code field.
      const isCode = code || (name === '' && this.l.codeFields.has(''));
      const tooLong = fieldTooLong(v, isCode, this.l);
      if (tooLong !== null) this.error = tooLong;
      else this.fields.push({ name, path, value: v, code: isCode });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= this.l.maxDepth) {
      this.error = 'json_too_deep';
      return;
    }
    if (Array.isArray(v)) {
      if (v.length > this.l.maxBatchItems) {
        this.error = 'batch_too_large';
        return;
      }
      for (let i = 0; i < v.length; i++) this.walk(v[i], name, `${path}[${i}]`, depth + 1, code);
      return;
    }
    const obj = v as Record<string, unknown>;
    for (const k in obj) {
      this.keys++;
      const canonical = this.names.canonical(k);
      if (canonical !== null && canonical !== k && this.sibling(obj, k, canonical)) {
        this.error = 'code_field_repeated';
        return;
      }
      this.walk(obj[k], k, path === '' ? k : `${path}.${k}`, depth + 1, code || canonical !== null);
    }
  }

  /**
   * Another key of `obj` naming the same code field as the alias `k` (`tikz_code` and `Tikz_Code`): a
   * case-insensitive binder keeps one of them, the gateway cannot know which. Only run for aliases.
   */
  private sibling(obj: Record<string, unknown>, k: string, canonical: string): boolean {
    for (const other in obj) if (other !== k && this.names.canonical(other) === canonical) return true;
    return false;
  }
}

export function decodeJson(text: string, limits: BodyLimits): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'json_malformed' };
  }
  const w = new Walker(limits);
  w.walk(value, '', '', 0, false);
  if (w.error !== '') return { ok: false, code: w.error };
  if (countKeys(text) !== w.keys) return { ok: false, code: 'json_duplicate_key' };
  return { ok: true, body: { type: 'json', fields: w.fields, document: value } };
}

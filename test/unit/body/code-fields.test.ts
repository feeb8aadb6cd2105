// Code-field name folding (vectors), and code fields found in JSON, forms, the query and cookies.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CodeFieldNames, codeFieldNames } from '../../../src/body/code-fields.js';
import { mergeOuter, outerCodeFields } from '../../../src/body/outer-fields.js';
import { decodeJson } from '../../../src/body/json.js';
import { decodeForm } from '../../../src/body/form.js';
import type { BodyLimits } from '../../../src/body/limits.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/http/code-field-names.json', import.meta.url), 'utf8'),
) as { groups: Array<{ code_fields: string[]; names: Record<string, boolean> }> };

const L: BodyLimits = {
  codeFields: new Set(['tikz_code']),
  maxFieldChars: 50,
  maxCodeFieldBytes: 200,
  maxBatchItems: 3,
  maxDepth: 8,
};

describe('CodeFieldNames (vectors)', () => {
  for (const g of vectors.groups) {
    const names = new CodeFieldNames(new Set(g.code_fields));
    it.each(Object.entries(g.names))(`[${g.code_fields.join(',')}] %j is code: %s`, (name, code) => {
      // twice: the second answer comes from the memo and must agree
      expect(names.canonical(name) !== null).toBe(code);
      expect(names.canonical(name) !== null).toBe(code);
      expect(names.all(name).length > 0).toBe(code);
    });
  }

  it('answers with the configured name', () => {
    const names = new CodeFieldNames(new Set(['tikz_code', 'preamble']));
    expect(names.canonical('Tikz_Code')).toBe('tikz_code');
    expect(names.canonical('a[PREAMBLE]')).toBe('preamble');
    expect(names.all('preamble.tikz_code')).toEqual(['preamble', 'tikz_code']);
  });

  it('is built once per code-field set', () => {
    const set = new Set(['tikz_code']);
    expect(codeFieldNames(set)).toBe(codeFieldNames(set));
  });
});

describe('code fields in bodies', () => {
  it('marks aliased JSON keys, and everything under a code key, as code', () => {
    const r = decodeJson(
      '{"Tikz_Code":"a","x":{"tikz_code":["b"]},"tikz%5Fcode2":"c","t":{"ti\\u212Az_code":{"0":"d"}}}',
      L,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body.fields.map((f) => [f.path, f.code])).toEqual([
      ['Tikz_Code', true],
      ['x.tikz_code[0]', true],
      ['tikz%5Fcode2', false],
      ['t.ti\u212Az_code.0', true],
    ]);
  });

  it('refuses two keys of one object naming the same code field', () => {
    expect(decodeJson('{"tikz_code":"a","Tikz_Code":"b"}', L)).toEqual({ ok: false, code: 'code_field_repeated' });
    expect(decodeJson('{"TIKZ_CODE":"a","tikz_code":"b"}', L)).toEqual({ ok: false, code: 'code_field_repeated' });
    // in two objects (a batch) they are two fields, both inspected
    expect(decodeJson('[{"tikz_code":"a"},{"Tikz_Code":"b"}]', L).ok).toBe(true);
  });

  it('marks form names in bracket, dotted and folded spellings as code, refusing one field twice', () => {
    const r = decodeForm('tikz_code%5B%5D=a&title=t', L);
    expect(r.ok && r.body.fields.map((f) => [f.name, f.code])).toEqual([
      ['tikz_code[]', true],
      ['title', false],
    ]);
    for (const name of ['a[tikz_code]', 'a.tikz_code', 'Tikz_Code', 'tikz.code', 'ti%E2%84%AAz_code']) {
      const f = decodeForm(`${name}=x`, L);
      expect(f.ok && f.body.fields[0]!.code, name).toBe(true);
    }
    expect(decodeForm('tikz_code[0]=a&tikz_code[1]=b', L)).toEqual({ ok: false, code: 'code_field_repeated' });
    expect(decodeForm('tikz_code=a&Tikz_Code=b', L)).toEqual({ ok: false, code: 'code_field_repeated' });
  });
});

describe('code fields in the query and cookies', () => {
  const names = codeFieldNames(L.codeFields);

  it('finds none in the common case (and allocates no list)', () => {
    expect(outerCodeFields('x=1&y=2', 'session=abc; theme=dark', names)).toBeNull();
    expect(outerCodeFields('', undefined, names)).toBeNull();
  });

  it('finds query parameters and cookies under any alias, values decoded', () => {
    expect(outerCodeFields('a=1&Tikz_Code=%5Cx+y&tikz_code%5B%5D', ' tikz.code="%5Cz"; b=2', names)).toEqual([
      { source: 'query', name: 'Tikz_Code', canonical: 'tikz_code', value: '\\x y' },
      { source: 'query', name: 'tikz_code[]', canonical: 'tikz_code', value: '' },
      { source: 'cookie', name: 'tikz.code', canonical: 'tikz_code', value: '\\z' },
    ]);
  });

  it('merges them into the body fields as code, refusing a code field the body has too', () => {
    const outer = outerCodeFields('tikz_code=%5Cx', undefined, names)!;
    const merged = mergeOuter([{ name: 'title', path: 'title', value: 't', code: false }], outer, names, L);
    expect(merged).toEqual({
      ok: true,
      fields: [
        { name: 'title', path: 'title', value: 't', code: false },
        { name: 'tikz_code', path: '?tikz_code', value: '\\x', code: true },
      ],
    });
    const body = [{ name: 'tikz_code', path: 'jobs[0].tikz_code', value: 'a', code: true }];
    expect(mergeOuter(body, outer, names, L)).toEqual({ ok: false, code: 'code_field_repeated' });
    const twice = outerCodeFields('tikz_code=a', 'TIKZ_CODE=b', names)!;
    expect(mergeOuter([], twice, names, L)).toEqual({ ok: false, code: 'code_field_repeated' });
    const bad = outerCodeFields('tikz_code=%ZZ', undefined, names)!;
    expect(mergeOuter([], bad, names, L)).toEqual({ ok: false, code: 'code_field_malformed' });
  });
});

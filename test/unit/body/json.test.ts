// JSON decoding: duplicate keys found through escapes and nesting, limits, field names.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countKeys, decodeJson } from '../../../src/body/json.js';
import { decodeForm } from '../../../src/body/form.js';
import type { BodyLimits } from '../../../src/body/limits.js';

const L: BodyLimits = {
  codeFields: new Set(['tikz_code']),
  maxFieldChars: 50,
  maxCodeFieldBytes: 200,
  maxBatchItems: 3,
  maxDepth: 8,
};

describe('decodeJson', () => {
  it('collects string fields with names and paths, code fields marked', () => {
    const r = decodeJson('{"tikz_code":"\\\\draw","meta":{"title":"t","tags":["a"]},"n":1}', L);
    expect(r).toEqual({
      ok: true,
      body: {
        type: 'json',
        fields: [
          { name: 'tikz_code', path: 'tikz_code', value: '\\draw', code: true },
          { name: 'title', path: 'meta.title', value: 't', code: false },
          { name: 'tags', path: 'meta.tags[0]', value: 'a', code: false },
        ],
        // The document itself, for readers of every leaf (CRS's ARGS: `n` too), so the body is parsed once.
        document: { tikz_code: '\\draw', meta: { title: 't', tags: ['a'] }, n: 1 },
      },
    });
  });
  it.each([
    ['{"a":"1","a":"2"}', 'json_duplicate_key'],
    ['{"a":"1","\\u0061":"2"}', 'json_duplicate_key'],
    ['[{"x":{"k":1,"k":2}}]', 'json_duplicate_key'],
    ['{"__proto__":1,"__proto__":2}', 'json_duplicate_key'],
    ['{"a":', 'json_malformed'],
    ['[1,2,3,4]', 'batch_too_large'],
    ['[[[[[[[[[[1]]]]]]]]]]', 'json_too_deep'],
    [`{"t":"${'x'.repeat(51)}"}`, 'field_too_long'],
    [`{"tikz_code":"${'é'.repeat(101)}"}`, 'code_field_too_long'],
  ])('%s -> %s', (text, code) => expect(decodeJson(text, L)).toEqual({ ok: false, code }));
  it('keys with escaped quotes and backslashes are counted right', () => {
    expect(countKeys('{"a\\"b":"c\\\\","d":"\\\\\\"e"}')).toBe(2);
    expect(decodeJson('{"a\\"b":"c\\\\","d":"x: y"}', L).ok).toBe(true);
  });
  it('countKeys agrees with the parsed tree for any JSON without duplicates', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        const count = (v: unknown): number =>
          v === null || typeof v !== 'object'
            ? 0
            : Array.isArray(v)
              ? v.reduce((n: number, x) => n + count(x), 0)
              : Object.entries(v).reduce((n, [, x]) => n + 1 + count(x), 0);
        expect(countKeys(text)).toBe(count(JSON.parse(text)));
      }),
    );
  });
});

describe('decodeForm', () => {
  it('decodes + and percent escapes', () => {
    expect(decodeForm('tikz_code=%5Cdraw+x&t=a%20b', L)).toEqual({
      ok: true,
      body: {
        type: 'form',
        fields: [
          { name: 'tikz_code', path: 'tikz_code', value: '\\draw x', code: true },
          { name: 't', path: 't', value: 'a b', code: false },
        ],
      },
    });
  });
  it.each([
    ['a=1&a=2', 'form_repeated_field'],
    ['a=1&%61=2', 'form_repeated_field'],
    ['a=%E0%A4%A', 'form_malformed'],
    ['a=%ff', 'form_malformed'],
  ])('%s -> %s', (text, code) => expect(decodeForm(text, L)).toEqual({ ok: false, code }));
});

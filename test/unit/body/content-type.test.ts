// Content-Type parsing: media type and charset, and a charset given twice refused as ambiguous.
import { describe, expect, it } from 'vitest';
import { charsetAcceptable, parseContentType } from '../../../src/body/content-type.js';

describe('parseContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON; Charset="UTF-8"', true],
    ['application/json; charset=iso-8859-1', false],
    ['application/json; charset=utf-8; charset=utf-8', false],
    ['application/json; charset=utf-8; CHARSET=utf-16', false],
    ['application/json;charset=utf-16;charset=utf-8', false],
  ])('%s: charset acceptable %s', (header, ok) => {
    const mt = parseContentType(header)!;
    expect(mt.type).toBe(header.slice(0, header.indexOf(';') === -1 ? undefined : header.indexOf(';')).toLowerCase());
    expect(charsetAcceptable(mt)).toBe(ok);
    // the cached answer is the same
    expect(charsetAcceptable(parseContentType(header)!)).toBe(ok);
  });
});

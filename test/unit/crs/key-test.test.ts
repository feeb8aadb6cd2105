// Key regexes answered without RE2 (src/crs/key-test.ts) answer as RE2 does: CRS's key regexes and variants,
// on keys in any case, with bytes above 0x7F and characters Unicode case folding maps to ASCII letters.
import { describe, expect, it } from 'vitest';
import RE2 from 're2';
import { atomsExclude, keyTestOf, literalMatch } from '../../../src/crs/key-test.js';

const SOURCES = [
  '^header_name_920450_',
  'rfi_parameter_.*',
  'paramcounter_.*',
  'MULTIPART_HEADERS_CONTENT_TYPES_*',
  '^_pk_ref',
  '^pbjs-\\w+$',
  '^_ga(?:_\\w+)?$',
  'abc',
  'abc*',
  '^id_.*',
];
const KEYS = [
  '',
  'header_name_920450_host',
  'HEADER_NAME_920450_Host',
  'xheader_name_920450_',
  'header_name_92045',
  'rfi_parameter_url',
  'x_RFI_PARAMETER_',
  'rfi_paramete',
  'multipart_headers_content_types',
  'MULTIPART_HEADERS_CONTENT_TYPE',
  'multipart_headers_content_types___x',
  '_pk_ref.1',
  'pbjs-abc',
  '_ga_XYZ',
  'ab',
  'xxABCxx',
  'abccc',
  'id_',
  'ID_7',
  '\u212aid_', // KELVIN SIGN: folds to k
  'header_name_920450_\u00e9',
  '\u00c9rfi_parameter_',
  'r\u017fi', // LATIN SMALL LETTER LONG S: folds to s
  'paramcounter_\u212a',
  '\u017fbjs-a',
  'header_name_920450_\u212a', // after an anchored literal: the prefix decides
  'id_\u017f',
  '\u212a', // shorter than any literal: no folding makes it longer
];

describe('key regexes', () => {
  it('answer as RE2 does, by literal or by atoms', () => {
    let literals = 0;
    for (const source of SOURCES) {
      const re = new RE2(source, 'i');
      const t = keyTestOf(re);
      if (t.literal !== null) literals++;
      for (const key of KEYS) {
        const expected = re.test(key);
        const byLiteral = t.literal === null ? null : literalMatch(t, key);
        if (byLiteral !== null) expect(byLiteral, `${source} on ${JSON.stringify(key)}`).toBe(expected);
        // The atoms only ever rule a key out when RE2 would too.
        if (atomsExclude(t, key)) expect(expected, `${source} on ${JSON.stringify(key)}`).toBe(false);
      }
    }
    // All but the three general ones (\w, alternation) are literals.
    expect(literals).toBe(SOURCES.length - 2);
  });

  it('send a key with a character above 0xFF to RE2 where the answer depends on it', () => {
    const t = keyTestOf(new RE2('^id_', 'i'));
    expect(literalMatch(t, '\u212aid_')).toBeNull();
    expect(literalMatch(t, 'ID_\u00e9')).toBe(true);
    // After an anchored literal, or in a key shorter than the literal, it cannot change the answer.
    expect(literalMatch(t, 'ID_\u212a')).toBe(true);
    expect(literalMatch(t, '\u212a')).toBe(false);
    expect(literalMatch(keyTestOf(new RE2('abc', 'i')), 'xab\u212a')).toBeNull();
  });
});

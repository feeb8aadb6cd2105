// Path canonicalisation: one spelling per resource, ambiguous forms refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { canonicalise, encodePath } from '../../../src/http/path.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/http/paths.json', import.meta.url), 'utf8')) as {
  refused: Record<string, string>;
};

describe('canonicalise', () => {
  it.each([
    ['/compile', '/compile', ''],
    ['//compile', '/compile', ''],
    ['/./compile', '/compile', ''],
    ['/%63ompile', '/compile', ''],
    ['/compile/', '/compile', ''],
    ['/a/b/../../compile?x=1&y', '/compile', 'x=1&y'],
    ['/', '/', ''],
    ['/caf%C3%A9', '/café', ''],
    ['/.well-known/x', '/.well-known/x', ''],
  ])('%s -> %s', (url, path, query) => expect(canonicalise(url)).toEqual({ ok: true, path, query }));

  it.each([
    ['compile', 'path_not_origin_form'],
    ['*', 'path_not_origin_form'],
    ['/a#b', 'path_fragment'],
    ['/..', 'path_above_root'],
    ['/a/%2e%2e/%2e%2e', 'path_above_root'],
    ['/a%2fb', 'path_encoded_separator'],
    ['/a%5cb', 'path_encoded_separator'],
    ['/a\\b', 'path_backslash'],
    ['/a%', 'path_bad_escape'],
    ['/a%g0', 'path_bad_escape'],
    ['/a%ff', 'path_bad_utf8'],
    ['/a%0a', 'path_control_char'],
    ['/a;b', 'path_parameter'],
    ['/a%3Bb?x=;', 'path_parameter'],
  ])('%s is refused (%s)', (url, code) => expect(canonicalise(url)).toEqual({ ok: false, code }));

  it.each(Object.entries(vectors.refused))('vector %s is refused (%s)', (url, code) =>
    expect(canonicalise(url)).toEqual({ ok: false, code }),
  );

  it('keeps a `;` in the query (only path parameters are refused)', () =>
    expect(canonicalise('/compile?a=1;b=2')).toEqual({ ok: true, path: '/compile', query: 'a=1;b=2' }));

  it('is idempotent through encodePath (what is forwarded routes the same)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const first = canonicalise('/' + encodeURIComponent(s).replace(/%2F/g, '/'));
        if (!first.ok) return;
        const again = canonicalise(encodePath(first.path));
        expect(again).toEqual({ ok: true, path: first.path, query: '' });
      }),
    );
  });
});

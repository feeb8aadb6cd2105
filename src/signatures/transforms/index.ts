// The registry of named transforms rules may list, each with the growth bound the fuzz tests hold it to.
import { compressWhitespace, htmlDecode, lower, nfkc, removeNulls, sqlComments } from './simple.js';
import { texNormalise } from './tex.js';
import { urlDecode } from './url.js';

export type TransformFn = (s: string) => string;

export interface Transform {
  readonly name: string;
  readonly fn: TransformFn;
  /** Largest output length for an input of length n (UTF-16 units): what the fuzz tests check. */
  readonly maxLength: (n: number) => number;
  readonly description: string;
}

function t(name: string, fn: TransformFn, maxLength: (n: number) => number, description: string): Transform {
  return Object.freeze({ name, fn, maxLength, description });
}

export const TRANSFORMS: ReadonlyMap<string, Transform> = new Map(
  [
    t('url', urlDecode, (n) => n, "percent-decoding (%XX as UTF-8, %uXXXX, '+'), up to 3 rounds"),
    t('html', htmlDecode, (n) => n, 'HTML character references, one round'),
    t('nfkc', nfkc, (n) => 18 * n, 'Unicode NFKC (fullwidth and compatibility forms folded)'),
    t('lower', lower, (n) => 3 * n, 'lower case'),
    t('compress_ws', compressWhitespace, (n) => n, 'whitespace runs to one space'),
    t('sql_comments', sqlComments, (n) => n, 'SQL /* */ comments to a space (MySQL /*! */ content kept)'),
    t('remove_nulls', removeNulls, (n) => n, 'NUL and C0 control characters removed'),
    // Alias substitution may turn `\a` (2 units) into a 32-letter name plus a separator; markers add 11.
    t('tex', texNormalise, (n) => 18 * n + 16, 'TeX-aware decoding (see docs/rules.md)'),
  ].map((x) => [x.name, x]),
);

/** Applies a chain of transforms by name (names were validated at load). */
export function applyChain(chain: readonly Transform[], s: string): string {
  let cur = s;
  for (const tr of chain) cur = tr.fn(cur);
  return cur;
}

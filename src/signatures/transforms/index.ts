// The registry of named transforms rules may list, each with the growth bound the fuzz tests hold it to.
import { compressWhitespace, htmlDecode, lower, nfkc, removeNulls, sqlComments, WS_TRIGGER } from './simple.js';
import { texNormalise } from './tex.js';

// Triggers: a transform whose trigger misses the text leaves it unchanged (see Transform.trigger).
/* eslint-disable no-control-regex -- ASCII ranges and control characters are what these look for */
const NON_ASCII = /[^\u0000-\u007f]/u;
const UPPER_OR_NON_ASCII = /[A-Z]|[^\u0000-\u007f]/u;
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f]/u;
/* eslint-enable no-control-regex */
import { urlDecode } from './url.js';

export type TransformFn = (s: string) => string;

export interface Transform {
  readonly name: string;
  readonly fn: TransformFn;
  /** Largest output length for an input of length n (UTF-16 units): what the fuzz tests check. */
  readonly maxLength: (n: number) => number;
  readonly description: string;
  /**
   * When this does not match the input, the transform returns the input unchanged: a chain whose triggers
   * all miss is skipped with one regex test. null: always run.
   */
  readonly trigger: RegExp | null;
}

function t(
  name: string,
  fn: TransformFn,
  maxLength: (n: number) => number,
  description: string,
  trigger: RegExp | null,
): Transform {
  return Object.freeze({ name, fn, maxLength, description, trigger });
}

export const TRANSFORMS: ReadonlyMap<string, Transform> = new Map(
  [
    t('url', urlDecode, (n) => n, "percent-decoding (%XX as UTF-8, %uXXXX, '+'), up to 3 rounds", /[%+]/),
    t('html', htmlDecode, (n) => n, 'HTML character references, one round', /&/),
    t('nfkc', nfkc, (n) => 18 * n, 'Unicode NFKC (fullwidth and compatibility forms folded)', NON_ASCII),
    t('lower', lower, (n) => 3 * n, 'lower case', UPPER_OR_NON_ASCII),
    t('compress_ws', compressWhitespace, (n) => n, 'whitespace runs to one space', WS_TRIGGER),
    t('sql_comments', sqlComments, (n) => n, 'SQL /* */ comments to a space (MySQL /*! */ content kept)', /\/\*/),
    t('remove_nulls', removeNulls, (n) => n, 'NUL and C0 control characters removed', CONTROL),
    // Alias substitution may turn `\a` (2 units) into a 32-letter name plus a separator; markers add 11.
    t('tex', texNormalise, (n) => 18 * n + 16, 'TeX-aware decoding (see docs/rules.md)', null),
  ].map((x) => [x.name, x]),
);

/** One regex for a chain: null when some transform always runs. */
export function chainTrigger(chain: readonly Transform[]): RegExp | null {
  if (chain.length === 0 || chain.some((x) => x.trigger === null)) return null;
  // No 'u' flag: the triggers only test for ASCII characters and code units above ASCII, and V8 runs
  // them faster without it (a surrogate pair's units are above ASCII too).
  return new RegExp(chain.map((x) => `(?:${x.trigger!.source})`).join('|'));
}

/** Applies a chain of transforms by name (names were validated at load). */
export function applyChain(chain: readonly Transform[], s: string): string {
  let cur = s;
  for (const tr of chain) cur = tr.fn(cur);
  return cur;
}

// The registry of named transforms rules may list, each with the growth bound the fuzz tests hold it to.
import { compressWhitespace, htmlDecode, lower, nfkc, removeNulls, sqlComments, WS_TRIGGER } from './simple.js';
import { texNormalise, texNormaliseShown } from './tex.js';

// Triggers: a transform whose trigger misses the text leaves it unchanged (see Transform.trigger).
/* eslint-disable no-control-regex -- ASCII ranges and control characters are what these look for */
const NON_ASCII = /[^\u0000-\u007f]/u;
const UPPER_OR_NON_ASCII = /[A-Z]|[^\u0000-\u007f]/u;
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f]/u;
/* eslint-enable no-control-regex */
import { urlDecode } from './url.js';

export type TransformFn = (s: string) => string;

/** What sets a trigger off, character by character: the same texts its regex matches, or more. */
export interface TriggerChars {
  /** ASCII characters that set it off. */
  readonly chars: string;
  /** Two-character sequences that set it off. */
  readonly pairs: readonly string[];
  /** Any character above ASCII sets it off. */
  readonly nonAscii: boolean;
}

/** A trigger test: a RegExp, or the faster scan of short texts made by chainTrigger. */
export interface Trigger {
  test(s: string): boolean;
}

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
  /** The trigger as characters (null when trigger is null). */
  readonly triggerChars: TriggerChars | null;
}

function t(
  name: string,
  fn: TransformFn,
  maxLength: (n: number) => number,
  description: string,
  trigger: RegExp | null,
  chars: string | null,
  more: { pairs?: string[]; nonAscii?: boolean } = {},
): Transform {
  const triggerChars =
    chars === null ? null : Object.freeze({ chars, pairs: more.pairs ?? [], nonAscii: more.nonAscii ?? false });
  return Object.freeze({ name, fn, maxLength, description, trigger, triggerChars });
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CONTROLS = String.fromCharCode(0, 1, 2, 3, 4, 5, 6, 7, 8, 11, ...Array.from({ length: 18 }, (_, i) => 14 + i));

export const TRANSFORMS: ReadonlyMap<string, Transform> = new Map(
  [
    t('url', urlDecode, (n) => n, "percent-decoding (%XX as UTF-8, %uXXXX, '+'), up to 3 rounds", /[%+]/, '%+'),
    t('html', htmlDecode, (n) => n, 'HTML character references, one round', /&/, '&'),
    t('nfkc', nfkc, (n) => 18 * n, 'Unicode NFKC (fullwidth and compatibility forms folded)', NON_ASCII, '', {
      nonAscii: true,
    }),
    t('lower', lower, (n) => 3 * n, 'lower case', UPPER_OR_NON_ASCII, UPPER, { nonAscii: true }),
    t('compress_ws', compressWhitespace, (n) => n, 'whitespace runs to one space', WS_TRIGGER, '\t\n\r\f\v', {
      pairs: ['  '],
      nonAscii: true,
    }),
    t('sql_comments', sqlComments, (n) => n, 'SQL /* */ comments to a space (MySQL /*! */ content kept)', /\/\*/, '', {
      pairs: ['/*'],
    }),
    t('remove_nulls', removeNulls, (n) => n, 'NUL and C0 control characters removed', CONTROL, CONTROLS),
    // Alias substitution may turn `\a` (2 units) into a 32-letter name plus a separator; markers add 11.
    t('tex', texNormalise, (n) => 18 * n + 16, 'TeX-aware decoding (see docs/rules.md)', null, null),
    // What `tex` becomes with checks.signatures.shown_text on (never named in rule files).
    t('tex_shown', texNormaliseShown, (n) => 18 * n + 16, 'tex, leaving out text TeX only shows', null, null),
  ].map((x) => [x.name, x]),
);

/** The transforms a rule file may name: `tex_shown` is what `tex` becomes with shown_text on, never named. */
export const RULE_TRANSFORMS: readonly string[] = Object.freeze(
  [...TRANSFORMS.keys()].filter((n) => n !== 'tex_shown'),
);

/** Texts up to this long are scanned character by character (a regex call costs more on short ones). */
const SHORT = 64;

/**
 * One trigger for a chain: null when some transform always runs. Short texts (header lines, paths) are
 * scanned through a table of the triggers' characters; longer ones go to one regex of them all.
 */
export function chainTrigger(chain: readonly Transform[]): Trigger | null {
  if (chain.length === 0 || chain.some((x) => x.trigger === null)) return null;
  // No 'u' flag: the triggers only test for ASCII characters and code units above ASCII, and V8 runs
  // them faster without it (a surrogate pair's units are above ASCII too).
  const re = new RegExp(chain.map((x) => `(?:${x.trigger!.source})`).join('|'));
  const table = new Uint8Array(128); // 1: sets it off; 2: may start a pair
  const pairs: string[] = [];
  let nonAscii = false;
  for (const x of chain) {
    const c = x.triggerChars!;
    for (const ch of c.chars) table[ch.charCodeAt(0)] = 1;
    for (const p of c.pairs) {
      if (table[p.charCodeAt(0)] === 0) table[p.charCodeAt(0)] = 2;
      pairs.push(p);
    }
    nonAscii ||= c.nonAscii;
  }
  const test = (s: string): boolean => {
    const n = s.length;
    if (n > SHORT) return re.test(s);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        if (nonAscii) return true;
        continue;
      }
      const k = table[c]!;
      if (k === 1) return true;
      if (k === 2 && i + 1 < n && pairs.includes(s.slice(i, i + 2))) return true;
    }
    return false;
  };
  return Object.freeze({ test });
}

/** Applies a chain of transforms by name (names were validated at load). */
export function applyChain(chain: readonly Transform[], s: string): string {
  let cur = s;
  for (const tr of chain) cur = tr.fn(cur);
  return cur;
}

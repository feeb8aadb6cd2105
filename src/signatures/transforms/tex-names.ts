// The control sequences the TeX normaliser treats specially, the markers it writes, and its bounds.
import { nameHash } from './tex-chars.js';
import { EXPL3_PREFIXES } from './tex-expl3.js';

/** Inserted before a control sequence whose name (or backslash) was written in caret notation. */
export const MARK_CARET = '⟪caret⟫';
/** Written for the text of a `\verb` TeX only shows (tex-shown.ts), with `shown_text` on. */
export const MARK_SHOWN = '⟪shown⟫';
/** Inserted where a macro's body uses the macro being defined (unbounded recursion, loops). */
export const MARK_RECURSION = '⟪recursion⟫';

/** Names whose argument is a control-sequence name given as text: `\csname x\endcsname` style builders. */
export const NAME_FROM_GROUP: ReadonlySet<string> = new Set(['@nameuse', 'csuse', 'UseName', 'pgfutil@nameuse']);

/** `\let`-like: `\let\a=\b`, `\cslet{a}\b`, `\letcs\a{b}`, `\NewCommandCopy\a\b` ... (eager copies). */
export const LET_LIKE: ReadonlySet<string> = new Set([
  'let',
  'NewCommandCopy',
  'RenewCommandCopy',
  'DeclareCommandCopy',
  'LetLtxMacro',
  'pgfutil@let',
  'cslet',
  'letcs',
  'csletcs',
  'futurelet',
]);

/** `\def`-like: the macro's body is read later, so a one-token body is an alias resolved when used. */
export const DEF_LIKE: ReadonlySet<string> = new Set([
  'def',
  'edef',
  'gdef',
  'xdef',
  'newcommand',
  'renewcommand',
  'providecommand',
  'DeclareRobustCommand',
  'csdef',
  'csgdef',
  'csedef',
  'csxdef',
  '@namedef',
  'pgfutil@namedef',
]);

/** Ignored by the normaliser: they only reorder expansion, and hide `\let\csname...` shapes. */
export const DROPPED: ReadonlySet<string> = new Set(['expandafter']);

/** Alias targets longer than this are not substituted (no dangerous primitive is that long): keeps growth bounded. */
export const MAX_ALIAS_TARGET = 32;
/** Alias chains are followed this deep (cycles stop there too). */
export const MAX_ALIAS_DEPTH = 8;

/** `\edef` / `\xdef` expand their body at once: a self-reference appends, it does not recurse. */
export const EXPANDING_DEFS: ReadonlySet<string> = new Set(['edef', 'xdef', 'csedef', 'csxdef']);
/** Nested definitions tracked for recursion (the outermost ones). */
export const MAX_DEF_NESTING = 8;

// What a control sequence needs beyond being copied: one map lookup per control word.
export const K_DROP = 1;
export const K_CSNAME = 2;
export const K_GROUP_NAME = 3;
export const K_END = 4;
export const K_CASE = 5;
export const K_STRING = 6;
export const K_LET = 7;
export const K_DEF = 8;
/** `\verb|...|`: the text up to the delimiter is read with other category codes (`%` is no comment). */
export const K_VERB = 9;
/** `\url{...}`, `\href{...}`, `\path{...}`, `\nolinkurl{...}`: the argument is read as a URL (`%` kept). */
export const K_URL_ARG = 10;
/** `\begin{verbatim}` (run as `\verbatim`): everything up to `\end{verbatim}` is text. */
export const K_VERBATIM = 11;
/** `\tex`, `\pdftex`...: nothing special alone, but `\tex_filedump:D` is a primitive (read by readCs). */
export const K_EXPL3_PREFIX = 12;
export const SPECIAL: ReadonlyMap<string, number> = new Map<string, number>([
  ...[...DROPPED].map((n) => [n, K_DROP] as const),
  ['csname', K_CSNAME],
  ['begin', K_GROUP_NAME],
  ...[...NAME_FROM_GROUP].map((n) => [n, K_GROUP_NAME] as const),
  ['end', K_END],
  ['lowercase', K_CASE],
  ['uppercase', K_CASE],
  ['string', K_STRING],
  ...[...LET_LIKE].map((n) => [n, K_LET] as const),
  ...[...DEF_LIKE].map((n) => [n, K_DEF] as const),
  ['verb', K_VERB],
  ['url', K_URL_ARG],
  ['href', K_URL_ARG],
  ['path', K_URL_ARG],
  ['nolinkurl', K_URL_ARG],
  ['verbatim', K_VERBATIM],
  ...[...EXPL3_PREFIXES].map((n) => [n, K_EXPL3_PREFIX] as const),
]);

/** Hashes of the special names: a control word whose hash is not here needs no lookup at all. */
export const SPECIAL_HASHES: ReadonlySet<number> = new Set([...SPECIAL.keys()].map(nameHash));

// The control sequences the TeX normaliser treats specially, and the markers it writes into its output.

/** Inserted before a control sequence whose name (or backslash) was written in caret notation. */
export const MARK_CARET = '⟪caret⟫';
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

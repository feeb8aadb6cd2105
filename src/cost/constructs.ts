// The constructs the cost estimate names (the `<construct>` of `cost:<construct>` and of the breakdown), and
// the control words and settings the reader treats specially.
import { nameHash } from '../signatures/transforms/tex-chars.js';

/** Construct names by id; the ids index the reader's per-construct totals. Stable: they are reason codes. */
export const CONSTRUCTS = [
  'paths',
  'foreach',
  'loop',
  'whiledo',
  'multido',
  'pgfplots-foreach',
  'plot-samples',
  'grid',
  'decoration',
  'markings',
  'lsystem',
  'recursion',
  'expansion',
] as const;

export type ConstructName = (typeof CONSTRUCTS)[number];

export const C_PATHS = 0;
export const C_FOREACH = 1;
export const C_LOOP = 2;
export const C_WHILEDO = 3;
export const C_MULTIDO = 4;
export const C_PGFFOREACH = 5;
export const C_PLOT = 6;
export const C_GRID = 7;
export const C_DECORATION = 8;
export const C_MARKINGS = 9;
export const C_LSYSTEM = 10;
export const C_RECURSION = 11;
export const C_EXPANSION = 12;

/**
 * Units per item of a construct, from compile times on the reference service: a grid line or a plot sample
 * costs TeX far more than a loop's repetition (a spot check: 2,000 grid lines at step 0.01 and a plot of 5,000
 * samples each ran past an 8 s timeout, while 360,000 repetitions of a `\fill` ran 20 s). Others count 1.
 */
export const GRID_LINE_UNITS = 20;
export const PLOT_SAMPLE_UNITS = 10;

// Control words the reader acts on.
export const K_PATH = 1;
export const K_ADDPLOT = 2;
export const K_FOREACH = 3;
export const K_PGFFOREACH = 4;
export const K_INVOKE = 5;
export const K_MULTIDO = 6;
export const K_LOOP = 7;
export const K_REPEAT = 8;
export const K_WHILEDO = 9;
export const K_DEF = 10;
export const K_EDEF = 11;
export const K_SETMACRO = 12;
export const K_SETCOUNTER = 13;
export const K_LSYSTEM = 14;
/** Spellings only the TeX normaliser resolves (aliases, built names, carets): the text is normalised first. */
export const K_NORMALISE = 15;
export const K_DOCCOMMAND = 16;

const WORDS: readonly (readonly [string, number])[] = [
  ...['draw', 'path', 'fill', 'filldraw', 'shade', 'shadedraw', 'clip', 'node', 'coordinate', 'pic'].map(
    (n) => [n, K_PATH] as const,
  ),
  ['addplot', K_ADDPLOT],
  ['foreach', K_FOREACH],
  ['pgfplotsforeachungrouped', K_PGFFOREACH],
  ['pgfplotsinvokeforeach', K_INVOKE],
  ['multido', K_MULTIDO],
  ['loop', K_LOOP],
  ['repeat', K_REPEAT],
  ['whiledo', K_WHILEDO],
  ...['def', 'gdef', 'long', 'newcommand', 'renewcommand', 'providecommand', 'DeclareRobustCommand'].map(
    (n) => [n, K_DEF] as const,
  ),
  ...['NewDocumentCommand', 'RenewDocumentCommand', 'ProvideDocumentCommand', 'DeclareDocumentCommand'].map(
    (n) => [n, K_DOCCOMMAND] as const,
  ),
  ['edef', K_EDEF],
  ['xdef', K_EDEF],
  ['pgfmathsetmacro', K_SETMACRO],
  ['pgfmathtruncatemacro', K_SETMACRO],
  ['setcounter', K_SETCOUNTER],
  ['pgfdeclarelsystem', K_LSYSTEM],
  ['pgfdeclarelindenmayersystem', K_LSYSTEM],
  ...[
    'let',
    'futurelet',
    'csname',
    'expandafter',
    'catcode',
    'lowercase',
    'uppercase',
    'csuse',
    'csdef',
    'csedef',
    'csxdef',
    'csgdef',
    'cslet',
    'letcs',
    'csletcs',
    '@nameuse',
    '@namedef',
    'NewCommandCopy',
    'LetLtxMacro',
    'scantokens',
  ].map((n) => [n, K_NORMALISE] as const),
];

/**
 * Control-word hash (tex-chars.ts nameHash) -> kind and name, as an open-addressed table in typed arrays: the
 * reader looks up every control word of a text, and a probe here costs a fraction of a Map's look-up. KINDS 0
 * marks an empty slot; a hit is confirmed by comparing the name's code units (UNITS from FROMS, LENS long).
 * The arrays are the module's own constants (an exported binding is read through a cell each time: the
 * compiler embeds only a module's own constants), exported under other names for the reader to do the same.
 */
const CS_SIZE = 512;
const CS_MASK = CS_SIZE - 1;
const HASHES = new Int32Array(CS_SIZE);
const KINDS = new Uint8Array(CS_SIZE);
const FROMS = new Uint16Array(CS_SIZE);
const LENS = new Uint8Array(CS_SIZE);
const UNITS: Uint16Array = (() => {
  const seen = new Map<number, string>();
  const names = new Array<string>(CS_SIZE).fill('');
  for (const [name, kind] of WORDS) {
    const h = nameHash(name);
    if (seen.has(h)) throw new Error(`cost: control word hash collision: ${name} and ${seen.get(h)!}`);
    seen.set(h, name);
    let s = h & CS_MASK;
    while (KINDS[s] !== 0) s = (s + 1) & CS_MASK;
    HASHES[s] = h;
    KINDS[s] = kind;
    names[s] = name;
  }
  const units = new Uint16Array(names.join('').length);
  let at = 0;
  names.forEach((name, slot) => {
    FROMS[slot] = at;
    LENS[slot] = name.length;
    for (let k = 0; k < name.length; k++) units[at++] = name.charCodeAt(k);
  });
  return units;
})();

/** Per slot: the control word's kind (0: an empty slot), where its name's units start in CS_UNITS, its length. */
export const CS_KIND: Uint8Array = KINDS;
export const CS_FROM: Uint16Array = FROMS;
export const CS_LEN: Uint8Array = LENS;
export const CS_UNITS: Uint16Array = UNITS;

/** The slot of the control word with hash `h` (CS_KIND, CS_FROM, CS_LEN), or -1 when no word of the table has it. */
export function csSlot(h: number): number {
  for (let s = h & CS_MASK; ; s = (s + 1) & CS_MASK) {
    if (KINDS[s] === 0) return -1;
    if (HASHES[s] === h) return s;
  }
}

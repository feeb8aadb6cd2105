// Where a CRS target set's values are in a request, found once per layout (the keys a request's collections
// hold, in order) and kept: a static target set selects the same entries on every request with the same keys,
// so a later request of that layout reads its values by position, with no key compared and no key regex run.
import type { CrsInput, Entry } from './input.js';
import { keyTestOf, keyMatch, type KeyTest } from './key-test.js';
import type { Plan } from './plan.js';
import type { Rule, Target } from './rule.js';

/** A value's name as a rule reports it (`ARGS:title`, `REQUEST_FILENAME`): made once per layout, not per match. */
export interface HitName {
  readonly coll: string;
  readonly key: string | null;
  /** `coll`, or `coll:key`. */
  readonly name: string;
}

/** One static target set in a layout: per value, its slot (where the request holds it) and its name. */
export interface SetLayout {
  readonly slots: readonly number[];
  readonly names: readonly HitName[];
}

// A slot's reference: (index << 5) | (source << 1) | (1 when the entry's key is the value: the *_NAMES
// collections). Sources are the request's lists, then its scalars and constants (counts, the empty target), both
// numbered in the layout (Layout.scalars, Layout.constants).
const ARGS_GET = 0;
const ARGS_POST = 1;
const HEADERS = 2;
const COOKIES = 3;
const FILES = 4;
const PART_HEADERS = 5;
const XML = 6;
const SCALAR = 7;
const CONSTANT = 8;

/** How many lists a request has (sources ARGS_GET to XML). */
const LISTS = 7;

/** A request's list by source, in the order of the layout key (no array made: every slot read asks). */
function listOf(i: CrsInput, src: number): readonly Entry[] {
  switch (src) {
    case ARGS_GET:
      return i.argsGet;
    case ARGS_POST:
      return i.argsPost;
    case HEADERS:
      return i.headers;
    case COOKIES:
      return i.cookies;
    case FILES:
      return i.files;
    case PART_HEADERS:
      return i.partHeaders;
    default:
      return i.xml;
  }
}

/** The request collections, as (source, the key is the value) pairs in the collection's order. */
const COLLECTIONS: ReadonlyMap<string, readonly (readonly [number, boolean])[]> = new Map([
  ['ARGS', [[ARGS_GET, false] as const, [ARGS_POST, false] as const]],
  ['ARGS_NAMES', [[ARGS_GET, true] as const, [ARGS_POST, true] as const]],
  ['ARGS_GET', [[ARGS_GET, false] as const]],
  ['ARGS_GET_NAMES', [[ARGS_GET, true] as const]],
  ['ARGS_POST', [[ARGS_POST, false] as const]],
  ['ARGS_POST_NAMES', [[ARGS_POST, true] as const]],
  ['REQUEST_HEADERS', [[HEADERS, false] as const]],
  ['REQUEST_HEADERS_NAMES', [[HEADERS, true] as const]],
  ['REQUEST_COOKIES', [[COOKIES, false] as const]],
  ['REQUEST_COOKIES_NAMES', [[COOKIES, true] as const]],
  ['FILES', [[FILES, false] as const]],
  ['FILES_NAMES', [[FILES, true] as const]],
  ['MULTIPART_PART_HEADERS', [[PART_HEADERS, false] as const]],
  ['XML', [[XML, false] as const]],
]);

/** A scalar's value in a request (an unknown name reads empty: the loader lists rules naming one). */
export function scalarOf(i: CrsInput, name: string): string {
  switch (name) {
    case 'REQUEST_URI':
    case 'REQUEST_URI_RAW':
      return i.uri;
    case 'REQUEST_FILENAME':
      return i.filename;
    case 'REQUEST_BASENAME':
      return i.basename;
    case 'REQUEST_LINE':
      return `${i.method} ${i.uri} ${i.protocol}`;
    case 'REQUEST_METHOD':
      return i.method;
    case 'REQUEST_PROTOCOL':
      return i.protocol;
    case 'QUERY_STRING':
      return i.queryString;
    case 'REQUEST_BODY':
      return i.body;
    case 'REQUEST_BODY_LENGTH':
      return String(i.bodyLength);
    case 'REQBODY_PROCESSOR':
      return i.bodyProcessor;
    case 'REQBODY_ERROR':
      return '0';
    case 'REMOTE_ADDR':
      return i.remoteAddr;
    case 'UNIQUE_ID':
      return i.uniqueId;
    case 'ARGS_COMBINED_SIZE': {
      let n = 0;
      for (const e of i.argsGet) n += e.key.length + e.value.length;
      for (const e of i.argsPost) n += e.key.length + e.value.length;
      return String(n);
    }
    case 'FILES_COMBINED_SIZE':
      return '0';
    default:
      return '';
  }
}

/** A 32-bit FNV-1a hash of a request's key lists (each list's length, each key's length and characters). */
export function layoutHash(i: CrsInput): number {
  let h = 0x811c9dc5;
  for (let s = 0; s < LISTS; s++) {
    const list = listOf(i, s);
    h = Math.imul(h ^ (list.length + 0x10000), 0x01000193);
    for (let j = 0; j < list.length; j++) {
      const key = list[j]!.key;
      h = Math.imul(h ^ (key.length + 0x20000), 0x01000193);
      for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
    }
  }
  return h >>> 0;
}

/** The keys of a request's lists, in order: what a layout is of. */
export const keysOf = (i: CrsInput): readonly (readonly string[])[] =>
  Object.freeze(Array.from({ length: LISTS }, (_, s) => Object.freeze(listOf(i, s).map((e) => e.key))));

/** A request collection's entries (a *_NAMES one's values are the keys); null for a name that is no collection. */
export function requestCollection(i: CrsInput, name: string): readonly Entry[] | null {
  const sources = COLLECTIONS.get(name);
  if (sources === undefined) return null;
  if (sources.length === 1 && !sources[0]![1]) return listOf(i, sources[0]![0]);
  const out: Entry[] = [];
  for (const [src, isKey] of sources) {
    for (const e of listOf(i, src)) out.push(isKey ? { key: e.key, lkey: e.lkey, value: e.key } : e);
  }
  return out;
}

/** The entry of a scalar (a key-less target: an exclusion with a key never covers it). */
const SCALAR_ENTRY: Entry = Object.freeze({ key: '', lkey: '', value: '' });

function hitName(coll: string, key: string | null): HitName {
  return Object.freeze({ coll, key, name: key === null ? coll : `${coll}:${key}` });
}

/** Whether a key selector or exclusion (`ARGS:title`, `ARGS:/^id_/`, `ARGS`) covers an entry of the named variable. */
export function covers(x: Target, name: string, e: Entry): boolean {
  if (x.name !== name) return false;
  if (x.key !== null) return e.lkey === x.key;
  if (x.keyRe !== null) return keyMatch(keyTestOf(x.keyRe), e.key);
  return true;
}

/** The static exclusions of a rule (`!REQUEST_COOKIES:/__utm/`, SecRuleUpdateTargetById). */
export function excluded(rule: Rule, name: string, e: Entry): boolean {
  const ex = rule.excludes;
  for (let k = 0; k < ex.length; k++) if (covers(ex[k]!, name, e)) return true;
  return false;
}

/** Whether a target's key (`ARGS:title`, `ARGS:/^id_/`: kt is its key regex's test) selects an entry. */
export function selects(t: Target, kt: KeyTest | null, e: Entry): boolean {
  if (t.key !== null && e.lkey !== t.key) return false;
  return kt === null || keyMatch(kt, e.key);
}

/** The positions of a layout's values, and what its requests' views keep (View is the engine's). */
export class Layout<View, Memo> {
  /** Per static target set (Plan.sets), once some request of this layout resolved it. */
  readonly sets: (SetLayout | undefined)[];
  /** Per view (Plan.views): the last view made of kept values only, which a later request holding them reads. */
  readonly views: (View | undefined)[];
  /** Per slot: the memo of the value the last request held there (the engine's; it moves `version` on). */
  readonly memos: (Memo | undefined)[] = [];
  /** Moves on whenever a request holds a value at some slot other than the request before it did. */
  version = 0;
  /** Per slot: its reference (source, index, key or value). */
  readonly refs: number[] = [];
  readonly constants: string[] = [];
  /** The scalars (REQUEST_FILENAME, ...) the layout's sets name, by their number in slot references. */
  private readonly scalars: string[] = [];
  /** Per static target set: by the removals that apply (trimmed), the positions of its values they leave. */
  private readonly trims: (Map<number | string, readonly number[]> | undefined)[] = [];
  private readonly slotOf = new Map<number, number>();

  constructor(
    plan: Plan,
    /** The keys of the request's lists, in order (keysOf). */
    private readonly keys: readonly (readonly string[])[],
  ) {
    this.sets = new Array<SetLayout | undefined>(plan.sets);
    this.views = new Array<View | undefined>(plan.views);
  }

  /**
   * The positions in a set's values that some ctl removals leave (`key`: which removals, crs/engine.ts's
   * trimmedView), found by `find` the first time: they depend on the values' names only.
   */
  trimmed(set: number, key: number | string, find: () => readonly number[]): readonly number[] {
    let bySet = this.trims[set];
    if (bySet === undefined) this.trims[set] = bySet = new Map();
    let keep = bySet.get(key);
    if (keep === undefined) bySet.set(key, (keep = Object.freeze(find())));
    return keep;
  }

  /** Whether a request's lists hold this layout's keys, in the same order. */
  fits(i: CrsInput): boolean {
    for (let s = 0; s < LISTS; s++) {
      const list = listOf(i, s);
      const keys = this.keys[s]!;
      if (list.length !== keys.length) return false;
      for (let j = 0; j < list.length; j++) if (list[j]!.key !== keys[j]) return false;
    }
    return true;
  }

  /** The value of slot s in a request of this layout. */
  valueAt(i: CrsInput, s: number): string {
    const ref = this.refs[s]!;
    const src = (ref >> 1) & 15;
    const index = ref >>> 5;
    if (src === SCALAR) return scalarOf(i, this.scalars[index]!);
    if (src === CONSTANT) return this.constants[index]!;
    const e = listOf(i, src)[index]!;
    return ref & 1 ? e.key : e.value;
  }

  /**
   * A static set's slots and names: each target in order, its entries in the collection's order, less those the
   * rule's `!` exclusions cover (ctls of the request are the engine's to apply). A rule of the set stands for it:
   * the set is its targets and exclusions.
   */
  resolve(set: number, rule: Rule, i: CrsInput): SetLayout {
    const slots: number[] = [];
    const names: HitName[] = [];
    for (const t of rule.targets) {
      const sources = COLLECTIONS.get(t.name);
      if (sources === undefined) {
        // A scalar (a count of one is 1), unless the rule excludes it.
        if (excluded(rule, t.name, SCALAR_ENTRY)) continue;
        slots.push(t.count ? this.constant('1') : this.numbered(this.scalars, t.name, SCALAR));
        names.push(hitName(t.name, null));
        continue;
      }
      const kt = t.keyRe === null ? null : keyTestOf(t.keyRe);
      let n = 0;
      for (const [src, isKey] of sources) {
        const list = listOf(i, src);
        for (let j = 0; j < list.length; j++) {
          const e = list[j]!;
          if (!selects(t, kt, e) || excluded(rule, t.name, e)) continue;
          if (t.count) n++;
          else {
            slots.push(this.slot((j << 5) | (src << 1) | (isKey ? 1 : 0)));
            names.push(hitName(t.name, e.key));
          }
        }
      }
      if (t.count) {
        slots.push(this.constant(String(n)));
        names.push(hitName(`&${t.name}`, null));
      }
    }
    if (rule.targets.length === 0) {
      // A rule without targets (SecAction's form) reads one empty value.
      slots.push(this.constant(''));
      names.push(hitName('', null));
    }
    const s = Object.freeze({ slots: Object.freeze(slots), names: Object.freeze(names) });
    this.sets[set] = s;
    return s;
  }

  private slot(ref: number): number {
    let s = this.slotOf.get(ref);
    if (s === undefined) this.slotOf.set(ref, (s = this.refs.push(ref) - 1));
    return s;
  }

  private constant(value: string): number {
    return this.numbered(this.constants, value, CONSTANT);
  }

  /** The slot of a scalar's name or a constant's value, numbered in its list on first use. */
  private numbered(list: string[], item: string, src: number): number {
    let k = list.indexOf(item);
    if (k < 0) k = list.push(item) - 1;
    return this.slot((k << 5) | (src << 1));
  }
}

/** Layouts per generation: at most twice this many are kept per program. */
export const LAYOUT_GENERATION = 64;

/**
 * A program's layouts in two generations (as crs/memo.ts keeps values): a service's clients send a few layouts
 * over and over; one made of keys never sent again leaves with its generation.
 */
export class LayoutCache<View, Memo> {
  private young = new Map<number, Layout<View, Memo>>();
  private old = new Map<number, Layout<View, Memo>>();

  constructor(
    private readonly plan: Plan,
    private readonly generation = LAYOUT_GENERATION,
  ) {}

  /** The layout of a request's keys: kept by their hash, and taken only when its keys are the request's. */
  get(i: CrsInput): Layout<View, Memo> {
    const h = layoutHash(i);
    let l = this.young.get(h);
    if (l !== undefined && l.fits(i)) return l;
    l = this.old.get(h);
    // A layout of other keys under the same hash is replaced (a collision costs a layout found again, no more).
    if (l === undefined || !l.fits(i)) l = new Layout<View, Memo>(this.plan, keysOf(i));
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(h, l);
    return l;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

// What the CRS engine learns of one request value from the value alone (its transformed forms, the gates each
// opens, its UTF-8 bytes, operators' verdicts on its forms), kept across requests per program in a bounded
// two-generation cache: a client sends the same headers, path and method on every request, and a compile
// service's requests share most of them.
import type { Buffer } from 'node:buffer';
import type { Captures } from './operators.js';
import type { LinkPlan, Plan } from './plan.js';

/** Values longer than this are not kept (their forms would hold the cache's memory): each request learns them anew. */
export const MEMO_MAX_LENGTH = 256;
/** Values per generation: at most twice this many are kept, each with its forms (bounded by MEMO_MAX_LENGTH). */
export const MEMO_GENERATION = 512;

/**
 * One value's facts, filled as links ask for them. Everything here is a pure function of the value and the
 * program (transformations, the prefilter, operators without macros), so a later request reads it as its own.
 */
export class ValueMemo {
  /** By transformation step (Plan.chainSteps): the value's form after it. */
  readonly forms: (string | undefined)[] = [];
  /** By transformation step: the gates that form opens (a step that changed nothing shares the form before's). */
  readonly opens: (readonly number[] | undefined)[] = [];
  /** The gates the value as it came opens. */
  rawOpens: readonly number[] | undefined = undefined;
  /** By chain: the UTF-8 bytes of the value's form after the whole chain (what node-re2 reads). */
  readonly bytes: (Buffer | undefined)[] = [];
  /** By link: the operator's answer on the link's form of the value (captures, or null), for links without macros. */
  verdicts: Map<LinkPlan, Captures | null> | null = null;

  constructor(
    readonly value: string,
    /** Kept across requests: its bytes must be its own (a request's pooled buffer is reused by the next one). */
    readonly kept: boolean,
  ) {}
}

/** Slots of the doorkeeper (a power of two): hashes of values seen once. */
const DOORKEEPER_SLOTS = 4096;

/** A 32-bit FNV-1a hash of a value's UTF-16 units (the doorkeeper's: collisions only admit a value early). */
function hashOf(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Values seen recently, in two generations: a value is looked up in the young one, then the old one (and moved
 * young); when the young one is full the old one is dropped and the young one becomes old. Bounded, O(1) per
 * lookup, and a value used on every request never leaves.
 *
 * A value is kept from its second sighting on. A doorkeeper (a table of hashes, the idea of TinyLFU's) remembers
 * the first: most request values are never sent again (a title, an id), and keeping them would fill the cache
 * with what only lives until the next turn of generations, which the garbage collector pays for (a fifth of
 * the engine's time when every value was kept).
 */
export class MemoCache {
  private young = new Map<string, ValueMemo>();
  private old = new Map<string, ValueMemo>();
  private readonly seen = new Uint32Array(DOORKEEPER_SLOTS);

  constructor(
    private readonly generation = MEMO_GENERATION,
    private readonly maxLength = MEMO_MAX_LENGTH,
  ) {}

  /** The memo of a value kept in the young generation (what a value sent on every request finds), else undefined. */
  youngMemo(value: string): ValueMemo | undefined {
    return this.young.get(value);
  }

  get(value: string): ValueMemo {
    if (value.length > this.maxLength) return new ValueMemo(value, false);
    let m = this.young.get(value);
    if (m !== undefined) return m;
    m = this.old.get(value);
    if (m === undefined) {
      if (!this.seenBefore(value)) return new ValueMemo(value, false);
      m = new ValueMemo(value, true);
    }
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(value, m);
    return m;
  }

  /** Whether the doorkeeper saw the value before (and remembers it now when not). */
  private seenBefore(value: string): boolean {
    const h = hashOf(value);
    const slot = h & (DOORKEEPER_SLOTS - 1);
    if (this.seen[slot] === h) return true;
    this.seen[slot] = h;
    return false;
  }

  /** Values kept (both generations; a value in both counts once per generation). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}

const caches = new WeakMap<Plan, MemoCache>();

/** The cache of a program's plan, made on its first evaluation and kept as long as the plan. */
export function memoCacheOf(plan: Plan): MemoCache {
  let c = caches.get(plan);
  if (c === undefined) caches.set(plan, (c = new MemoCache()));
  return c;
}

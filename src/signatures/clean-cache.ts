// A bounded memory of texts already inspected and found clean, so a diagram (or a header line) seen again
// is not normalised and matched again. Inspection is deterministic for a given rule set, route and tier, and
// the engine (with its memories) is rebuilt on every reload.
//
// A text is only kept once it has been seen clean twice: one-off texts cost a cheap fingerprint (a few
// hundred characters sampled), are never hashed in full and never retained. The fingerprint only decides
// whether the exact lookup is worth doing; membership is always decided on the whole text. Bounded by
// entries and characters: when a bound is reached the memory is emptied and starts again (O(1)).
/** What the memory reads of a segment (segments.ts's Segment; structural, so the two files do not import each other). */
export interface Rememberable {
  readonly kind: number;
  readonly name: string;
  readonly key: string;
  readonly fingerprint: number;
  readonly dirty: boolean;
}

/** Characters a fingerprint samples, spread over the text (its last 8 are added). */
const SAMPLES = 64;

/**
 * Length, up to 64 characters spread over the text and its last 8, mixed into 32 bits: well under a tenth
 * of a microsecond whatever the length. Texts that differ only between samples share a fingerprint; that
 * costs an exact lookup (or keeps a text a little early), never a wrong answer.
 */
export function fingerprint(s: string): number {
  const n = s.length;
  let h = Math.imul(n ^ 0x2545f491, 0x9e3779b1);
  const step = n > SAMPLES ? Math.floor(n / SAMPLES) : 1;
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
  for (let i = Math.max(0, n - 8); i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
  return h ^ (h >>> 15);
}

export class CleanCache {
  /** Remembered texts by fingerprint (one per fingerprint: a colliding newcomer replaces the old one). */
  private kept = new Map<number, string>();
  /** Fingerprints of texts seen clean once. */
  private once = new Set<number>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  /**
   * Exact membership: the remembered text with the same fingerprint must equal this one. Comparing two
   * strings costs a memory compare; no full hash of the (new, unhashed) request string is ever computed.
   */
  has(text: string, fp?: number): boolean {
    return this.kept.size > 0 && this.kept.get(fp ?? fingerprint(text)) === text;
  }

  /** Records a text found clean: remembered from its second time on. `fp`: its fingerprint, if known. */
  add(text: string, fp?: number): void {
    if (this.maxEntries === 0 || text.length > this.maxChars) return;
    fp ??= fingerprint(text);
    if (!this.once.has(fp)) {
      if (this.once.size >= 4 * this.maxEntries) this.once = new Set();
      this.once.add(fp);
      return;
    }
    if (this.kept.size >= this.maxEntries || this.chars + text.length > this.maxChars) {
      this.kept = new Map();
      this.chars = 0;
    }
    const old = this.kept.get(fp);
    if (old !== undefined) this.chars -= old.length;
    this.kept.set(fp, text);
    this.chars += text.length;
  }

  get size(): number {
    return this.kept.size;
  }
}

/**
 * Clean-text memories by two labels (route tier and code field; target kind and field or header name),
 * made on demand. Labels may come from clients (header names): the number of memories is bounded too.
 */
export class MemoryTable {
  private readonly tables = new Map<string | number, Map<string, CleanCache>>();
  private count = 0;

  constructor(
    private readonly maxTables: number,
    private readonly entries: number,
    private readonly chars: number,
  ) {}

  get enabled(): boolean {
    return this.entries > 0;
  }

  /** True when the memory for (a, b) holds `text` (exact membership; makes no memory). */
  has(a: string | number, b: string, text: string, fp?: number): boolean {
    return this.tables.get(a)?.get(b)?.has(text, fp) === true;
  }

  /** The memory for (a, b), or null when memories are off or too many exist already. */
  get(a: string | number, b: string): CleanCache | null {
    if (this.entries === 0) return null;
    let inner = this.tables.get(a);
    if (inner === undefined) {
      if (this.count >= this.maxTables) return null;
      inner = new Map();
      this.tables.set(a, inner);
    }
    let cache = inner.get(b);
    if (cache === undefined) {
      if (this.count >= this.maxTables) return null;
      cache = new CleanCache(this.entries, this.chars);
      inner.set(b, cache);
      this.count++;
    }
    return cache;
  }
}

/**
 * The segments their memory has not seen clean (the same array when it knows none of them). `label`: the
 * memory's first label (the tier, for code), or null for the segment's kind (web texts).
 */
export function unseen<S extends Rememberable>(
  segs: readonly S[],
  table: MemoryTable,
  label: string | null,
): readonly S[] {
  let out: S[] | null = null;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (table.has(label ?? seg.kind, seg.name, seg.key, seg.fingerprint)) out ??= segs.slice(0, i);
    else if (out !== null) out.push(seg);
  }
  return out ?? segs;
}

/** Remembers the segments no rule or policy matched (labels as for unseen). */
export function remember(segs: readonly Rememberable[], table: MemoryTable, label: string | null): void {
  for (const seg of segs) if (!seg.dirty) table.get(label ?? seg.kind, seg.name)?.add(seg.key, seg.fingerprint);
}

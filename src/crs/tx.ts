// The TX collection of one CRS evaluation: what the request writes, over what the rules that open phase 1 left
// (read in place, never copied): a request writes a handful of TX variables over the forty-odd the setup made.
// It answers, and lists, exactly as one Map holding both would, insertion order included.

const NONE: ReadonlyMap<string, string> = new Map();

/** Per base and key test: the base's keys the test picks, in order (a base is shared, a test is the program's). */
const picked = new WeakMap<ReadonlyMap<string, string>, WeakMap<object, readonly string[]>>();

function pickedOf(base: ReadonlyMap<string, string>, test: object, picks: (key: string) => boolean): readonly string[] {
  let byTest = picked.get(base);
  if (byTest === undefined) picked.set(base, (byTest = new WeakMap()));
  let keys = byTest.get(test);
  if (keys === undefined) {
    const list: string[] = [];
    for (const k of base.keys()) if (picks(k)) list.push(k);
    byTest.set(test, (keys = Object.freeze(list)));
  }
  return keys;
}

export class TxCollection {
  /** What this request set (its own keys, and new values of the base's), in the order it set them. */
  private readonly own = new Map<string, string>();
  /** Keys of the base this request deleted (one set again lives in `own`, at the end of the order). */
  private deleted: Set<string> | null = null;

  /** `base`: what the leading rules left, shared by every request that starts after them (never written). */
  constructor(private readonly base: ReadonlyMap<string, string> = NONE) {}

  get(key: string): string | undefined {
    const v = this.own.get(key);
    if (v !== undefined) return v;
    if (this.deleted !== null && this.deleted.has(key)) return undefined;
    return this.base.get(key);
  }

  set(key: string, value: string): void {
    this.own.set(key, value);
  }

  delete(key: string): void {
    this.own.delete(key);
    if (this.base.has(key)) (this.deleted ??= new Set()).add(key);
  }

  /**
   * Each (key, value) in a Map's order: the base's keys where they stand (with this request's value when it set
   * one), less those it deleted, then the keys this request added (a deleted base key set again among them).
   */
  forEach(f: (value: string, key: string) => void): void {
    const { own, deleted, base } = this;
    if (own.size === 0 && deleted === null) {
      base.forEach(f);
      return;
    }
    base.forEach((v, k) => {
      if (deleted !== null && deleted.has(k)) return;
      f(own.get(k) ?? v, k);
    });
    own.forEach((v, k) => {
      if (base.has(k) && (deleted === null || !deleted.has(k))) return;
      f(v, k);
    });
  }

  /**
   * forEach over the keys a key test picks (`TX:/^header_name_920450_/`): the base's are found once per base and
   * test (`test` names it; `picks` must answer by the key alone), this request's own are tested here.
   */
  forEachPicked(test: object, picks: (key: string) => boolean, f: (value: string, key: string) => void): void {
    const { own, deleted, base } = this;
    const keys = pickedOf(base, test, picks);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (deleted !== null && deleted.has(k)) continue;
      f(own.get(k) ?? base.get(k)!, k);
    }
    own.forEach((v, k) => {
      if (base.has(k) && (deleted === null || !deleted.has(k))) return;
      if (picks(k)) f(v, k);
    });
  }

  /** A copy as one Map, in the same order (what a later request starts from). */
  snapshot(): Map<string, string> {
    const m = new Map<string, string>();
    this.forEach((v, k) => m.set(k, v));
    return m;
  }
}

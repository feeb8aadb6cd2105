// One instance per distinct name a CRS program uses (TX variable names, target keys, macro references): the
// engine's TX map is looked up hundreds of times per request, and a lookup whose key is the very string stored
// compares a pointer instead of the characters of two copies (names sliced out of rule files are copies).
const pool = new Map<string, string>();

/** The shared, internalised instance of a name (property keys are internalised by V8). */
export function intern(s: string): string {
  let v = pool.get(s);
  if (v === undefined) {
    v = Object.keys({ [s]: 0 })[0] ?? s;
    pool.set(v, v);
  }
  return v;
}

// Compiled regular expressions, rules and rule sets shared across reloads, keyed by their source: an
// unchanged rule compiles to the very same RE2 object, so a reload allocates no native memory.
//
// Why: node-re2 frees an RE2's native memory (its program and DFA caches, often 10-100 KB each) only when
// V8 finalises the wrapper, and V8 does not see that native size, so it feels no pressure to collect. Before
// this cache every reload compiled every rule and group prefilter again (once per route profile), and a few
// hundred reloads grew RSS by hundreds of MB between two collections. Entries are held weakly: whatever a
// live engine (the snapshot in service, or one still finishing requests) uses is reused; what no engine
// names any more goes with the next collection, and its key is dropped then.
import RE2 from 're2';

/** Values by key, held weakly; an entry lives exactly as long as something else holds its value. */
export class WeakCache<V extends object> {
  private readonly map = new Map<string, WeakRef<V>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    // The key may have been filled again since: drop it only if it still points at a collected value.
    if (this.map.get(key)?.deref() === undefined) this.map.delete(key);
  });

  /** The live value under key, else `make()` (which may throw: nothing is stored then). */
  get(key: string, make: () => V): V {
    const hit = this.map.get(key)?.deref();
    if (hit !== undefined) return hit;
    const made = make();
    this.map.set(key, new WeakRef(made));
    this.registry.register(made, key);
    return made;
  }

  /** Keys whose value may still be alive (collected ones leave after their finaliser ran). */
  get size(): number {
    return this.map.size;
  }
}

const regexes = new WeakCache<RE2>();

/**
 * The RE2 for a pattern and flags, shared by everyone who asks for the same source. Only flags without
 * `g` or `y` may be shared: callers reset lastIndex before exec, and test() ignores it without them.
 * Throws what RE2 throws for a pattern it cannot compile.
 */
export function sharedRe2(pattern: string, flags: string): RE2 {
  if (flags.includes('g') || flags.includes('y')) throw new Error(`stateful RE2 flags cannot be shared: ${flags}`);
  return regexes.get(`${flags}/${pattern}`, () => new RE2(pattern, flags));
}

/** How many RE2 sources the cache holds now (tests and diagnostics). */
export function sharedRe2Count(): number {
  return regexes.size;
}

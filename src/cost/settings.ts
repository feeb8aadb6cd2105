// Keys that change what later constructs cost (samples, grid steps, segment length, L-system order, the
// decoration in use). A key set in a path's options (`\draw[samples=50] ...;`) lasts to the path's end; one
// set elsewhere (`\tikzset`, an axis, a scope) lasts for the rest of the text.

export const S_SAMPLES = 0;
export const S_SAMPLES_Y = 1;
export const S_XSTEP = 2;
export const S_YSTEP = 3;
export const S_SEGLEN = 4;
export const S_ORDER = 5;
export const S_DECO_KIND = 6;
/** The largest `scale`, `xscale` or `yscale` in force: scaled paths are longer, so decorations cut more segments. */
export const S_SCALE = 7;

/** PGF's own defaults: 25 samples, samples y = samples, 1 cm grid steps, 10pt segments, order 4, no kind, scale 1. */
const DEFAULTS = [25, NaN, 1, 1, (10 * 2.54) / 72.27, 4, 0, 1];

export class Settings {
  // plain arrays: a typed array costs more to make than this reader spends on a whole diagram
  private readonly cur = DEFAULTS.slice();
  private readonly saved = DEFAULTS.slice();
  /** The statement a key was last set in (-1: none); restore() puts back what it replaced. */
  private readonly setIn = [-1, -1, -1, -1, -1, -1, -1, -1];
  /** The statement a key was last set local to (-1: none yet): restore() has nothing to do for any other. */
  private lastLocal = -1;
  /** A key was set since the last reset (most texts set none: their reset has nothing to put back). */
  private changed = false;

  /** The defaults again, as new (CostReader.reset). */
  reset(): void {
    if (!this.changed) return;
    this.changed = false;
    for (let k = 0; k < DEFAULTS.length; k++) {
      this.cur[k] = DEFAULTS[k]!;
      this.saved[k] = DEFAULTS[k]!;
      this.setIn[k] = -1;
    }
    this.lastLocal = -1;
  }

  get(k: number): number {
    return this.cur[k]!;
  }

  /** `stmt`: the path statement the key is local to, or -1 for a key that lasts. */
  set(k: number, v: number, stmt: number): void {
    this.changed = true;
    if (stmt === -1) {
      this.cur[k] = v;
      this.setIn[k] = -1;
      return;
    }
    if (this.setIn[k] !== stmt) {
      this.saved[k] = this.cur[k]!;
      this.setIn[k] = stmt;
    }
    this.cur[k] = v;
    this.lastLocal = stmt;
  }

  /**
   * At the end of a path statement: the keys it set go back to what they were. Keys are set local to the
   * statement being read only, so a statement that set none is not the last one a key was set local to.
   */
  restore(stmt: number): void {
    if (this.lastLocal !== stmt) return;
    for (let k = 0; k < DEFAULTS.length; k++) {
      if (this.setIn[k] === stmt) {
        this.cur[k] = this.saved[k]!;
        this.setIn[k] = -1;
      }
    }
  }
}

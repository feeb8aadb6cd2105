// The stack of open loop bodies and macro definitions the cost reader is inside: each collects what its
// body costs per repetition, and hands count x that to the scope around it when it ends.

/** A loop body in braces: ends at its `}`. */
export const M_BRACE = 0;
/** A loop body that is one statement: ends at the next `;` (or with the loop that is its statement). */
export const M_STMT = 1;
/** `\loop ... \repeat`: ends at `\repeat`. */
export const M_REPEAT = 2;
/** A macro's body (`\def\x{...}`): costs nothing until the macro is used. */
export const M_DEF = 3;

export interface Scope {
  construct: number;
  /** Repetitions (NaN: not known yet, a `\loop` before its test). */
  count: number;
  /** The brace depth it lives at: popped when the depth falls below it. */
  depth: number;
  mode: number;
  /** A loop that is the whole statement of the loop around it: both end together. */
  chain: boolean;
  /** Where its body starts (a definition: the text after its `{`). */
  bodyStart: number;
  /** A definition: where its body ends (its `}`), -1 while open. */
  bodyEnd: number;
  /** What one repetition of the body costs (sum of what it holds). */
  inner: number;
  /** The largest thing the body holds, and which construct that was. */
  best: number;
  bestConstruct: number;
  /** log2 of how much the body's expansion grows a macro, per repetition. */
  expLog: number;
  // definitions only
  name: string;
  expanding: boolean;
  selfCalls: number;
  hasIf: boolean;
  /** The definition around this scope (innermostDef when this one ends). */
  outerDef: Scope | null;
}

export class Scopes {
  private readonly stack: Scope[] = [];
  top: Scope | null = null;
  /** Open `\loop`s and definitions (so `\repeat` and self-calls are cheap to check). */
  repeats = 0;
  defs = 0;
  innermostDef: Scope | null = null;

  push(construct: number, count: number, depth: number, mode: number, chain: boolean, bodyStart: number): Scope {
    const s: Scope = {
      construct,
      count,
      depth,
      mode,
      chain,
      bodyStart,
      bodyEnd: -1,
      inner: 0,
      best: 0,
      bestConstruct: construct,
      expLog: 0,
      name: '',
      expanding: false,
      selfCalls: 0,
      hasIf: false,
      outerDef: this.innermostDef,
    };
    this.stack.push(s);
    this.top = s;
    if (mode === M_REPEAT) this.repeats++;
    if (mode === M_DEF) {
      this.defs++;
      this.innermostDef = s;
    }
    return s;
  }

  /** Empty, as new (CostReader.reset). */
  reset(): void {
    // setting an array's length is a runtime call: only when there is something to drop
    if (this.stack.length !== 0) this.stack.length = 0;
    this.top = null;
    this.repeats = 0;
    this.defs = 0;
    this.innermostDef = null;
  }

  pop(): Scope {
    const s = this.stack.pop()!;
    this.top = this.stack.length === 0 ? null : this.stack[this.stack.length - 1]!;
    if (s.mode === M_REPEAT) this.repeats--;
    if (s.mode === M_DEF) {
      this.defs--;
      this.innermostDef = s.outerDef;
    }
    return s;
  }
}

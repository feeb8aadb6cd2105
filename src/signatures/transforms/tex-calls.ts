// The unconditional calls between macros a snippet defines, and whether they form a cycle (mutual
// recursion: `\def\a{\b}\def\b{\a}`). Bounded in macros and calls per macro, so the check stays cheap.

const MAX_MACROS = 256;
const MAX_CALLS_PER_MACRO = 32;

export class CallGraph {
  private calls: Map<string, string[]> | null = null;

  add(from: string, to: string): void {
    const calls = (this.calls ??= new Map());
    let list = calls.get(from);
    if (list === undefined) {
      if (calls.size >= MAX_MACROS) return;
      list = [];
      calls.set(from, list);
    }
    if (list.length < MAX_CALLS_PER_MACRO && !list.includes(to)) list.push(to);
  }

  /** Iterative depth-first search with colours (1 on the path, 2 done). */
  hasCycle(): boolean {
    const calls = this.calls;
    if (calls === null) return false;
    const state = new Map<string, number>();
    for (const root of calls.keys()) {
      if (state.has(root)) continue;
      const stack: [string, number][] = [[root, 0]];
      state.set(root, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = calls.get(top[0])?.[top[1]++];
        if (next === undefined) {
          state.set(top[0], 2);
          stack.pop();
          continue;
        }
        const seen = state.get(next);
        if (seen === 1) return true;
        if (seen === undefined && calls.has(next)) {
          state.set(next, 1);
          stack.push([next, 0]);
        }
      }
    }
    return false;
  }
}

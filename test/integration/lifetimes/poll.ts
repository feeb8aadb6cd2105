// Test helper for reload tests: waits (bounded) for a condition a file watcher or a grace timer makes true.

/** Resolves once `cond` holds; fails with `what` after `ms` (the bound is generous: watchers debounce). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

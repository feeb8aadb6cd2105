// Test helper: polls until a probe yields a value (not null) or the time is up; what the log phase writes after
// an answer (blocks, incidents, alerts, shared events) is looked for this way rather than after a fixed sleep.
export async function until<T>(probe: () => Promise<T | null>, withinMs = 3_000, everyMs = 20): Promise<T | null> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== null || Date.now() - start > withinMs) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

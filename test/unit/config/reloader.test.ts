// ConfigReloader: one reload at a time, bursts coalesce into one more run, failures keep the old config.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { ConfigReloader } from '../../../src/config/reloader.js';

/** A load whose every call waits until the test releases it, to hold a reload "in progress". */
function gatedLoad<T>(values: (T | Error)[]) {
  const releases: (() => void)[] = [];
  let calls = 0;
  const load = () => {
    const value = values[calls++];
    return new Promise<T>((resolve, reject) => {
      releases.push(() => (value instanceof Error ? reject(value) : resolve(value as T)));
    });
  };
  return {
    load,
    get calls() {
      return calls;
    },
    release: async () => {
      // Let the reloader reach its next load before releasing it.
      for (let i = 0; i < 10 && releases.length === 0; i++) await Promise.resolve();
      const r = releases.shift();
      if (!r) throw new Error('no load waiting');
      r();
    },
  };
}

const badConfig = () => new ConfigError([{ file: 'g.yaml', line: 1, col: 1, path: 'x', message: 'bad' }]);

describe('ConfigReloader', () => {
  it('applies a loaded config and counts the success', async () => {
    const applied: number[] = [];
    const succeeded: number[] = [];
    const r = new ConfigReloader<number>({
      load: () => Promise.resolve(7),
      apply: (n) => applied.push(n),
      onSuccess: (n) => succeeded.push(n),
    });
    expect(await r.reload()).toEqual({ ok: true, config: 7 });
    expect(applied).toEqual([7]);
    expect(succeeded).toEqual([7]);
    expect(r.stats).toEqual({ successes: 1, failures: 0, inProgress: false, lastError: undefined });
  });

  it('runs one reload at a time and coalesces requests made meanwhile into a single next run', async () => {
    const gate = gatedLoad<number>([1, 2, 3]);
    const applied: number[] = [];
    const r = new ConfigReloader<number>({ load: gate.load, apply: (n) => applied.push(n) });

    const first = r.reload();
    expect(r.stats.inProgress).toBe(true);
    const burst = [r.reload(), r.reload(), r.reload(), r.reload()];
    expect(gate.calls).toBe(1); // nothing runs alongside the first load

    await gate.release();
    expect(await first).toEqual({ ok: true, config: 1 });
    await gate.release();
    const outcomes = await Promise.all(burst);
    // Four requests during the first run: exactly one more load, and all four see its outcome.
    expect(outcomes).toEqual(Array(4).fill({ ok: true, config: 2 }));
    expect(gate.calls).toBe(2);
    expect(applied).toEqual([1, 2]);
    expect(r.stats.inProgress).toBe(false);

    // Idle again: the next request starts its own run at once.
    const later = r.reload();
    await gate.release();
    expect(await later).toEqual({ ok: true, config: 3 });
    expect(gate.calls).toBe(3);
  });

  it('keeps the old config when a load fails, reports the error, and recovers on the next success', async () => {
    const error = badConfig();
    const gate = gatedLoad<string>(['v1', error, 'v3']);
    let current = 'v0';
    const failures: unknown[] = [];
    const r = new ConfigReloader<string>({
      load: gate.load,
      apply: (next) => {
        current = next;
      },
      onFailure: (e) => failures.push(e),
    });

    const one = r.reload();
    await gate.release();
    await one;
    expect(current).toBe('v1');

    const two = r.reload();
    await gate.release();
    expect(await two).toEqual({ ok: false, error });
    expect(current).toBe('v1'); // apply was not called
    expect(failures).toEqual([error]);
    expect(r.stats).toMatchObject({ successes: 1, failures: 1, lastError: error });

    const three = r.reload();
    await gate.release();
    await three;
    expect(current).toBe('v3');
    expect(r.stats).toMatchObject({ successes: 2, failures: 1, lastError: undefined });
  });

  it('counts a throwing apply as a failed reload', async () => {
    const boom = new Error('cannot build checks');
    const failures: unknown[] = [];
    const r = new ConfigReloader<number>({
      load: () => Promise.resolve(1),
      apply: () => {
        throw boom;
      },
      onFailure: (e) => failures.push(e),
    });
    expect(await r.reload()).toEqual({ ok: false, error: boom });
    expect(failures).toEqual([boom]);
    expect(r.stats).toMatchObject({ successes: 0, failures: 1 });
  });

  it('keeps serving requests after a failed run that had others waiting', async () => {
    const gate = gatedLoad<number>([new Error('first fails'), 2]);
    const r = new ConfigReloader<number>({ load: gate.load, apply: () => undefined });
    const a = r.reload();
    const b = r.reload();
    await gate.release();
    expect((await a).ok).toBe(false);
    await gate.release();
    expect(await b).toEqual({ ok: true, config: 2 });
  });
});

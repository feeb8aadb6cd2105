// watchConfig on real files: rename-over writes, in-place writes, symlink swaps, debouncing, other files, close.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchConfig, type ConfigWatcher } from '../../../src/config/watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts onChange calls; `next()` resolves on the next call (or fails after a generous bound). */
function counter() {
  let count = 0;
  let waiting: (() => void) | undefined;
  return {
    onChange: () => {
      count++;
      waiting?.();
    },
    get count() {
      return count;
    },
    next: () =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no change seen within 5 s')), 5000);
        waiting = () => {
          clearTimeout(t);
          resolve();
        };
      }),
  };
}

describe('watchConfig', () => {
  let dir: string;
  let file: string;
  let watcher: ConfigWatcher | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-watch-'));
    file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'a: 1\n');
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees an editor-style write: new file renamed over the old one', async () => {
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 50 });
    await sleep(50);
    const seen = c.next();
    writeFileSync(join(dir, '.gateway.yaml.swp'), 'a: 2\n');
    renameSync(join(dir, '.gateway.yaml.swp'), file);
    await seen;
    expect(c.count).toBe(1);
  });

  it('sees an in-place write', async () => {
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 50 });
    await sleep(50);
    const seen = c.next();
    writeFileSync(file, 'a: 3\n');
    await seen;
    expect(c.count).toBe(1);
  });

  it('coalesces a burst of writes into one call', async () => {
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 300 });
    await sleep(50);
    const seen = c.next();
    for (let i = 0; i < 5; i++) writeFileSync(file, `a: ${i}\n`);
    await seen;
    await sleep(600);
    expect(c.count).toBe(1);
  });

  it('ignores other files in the directory', async () => {
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 50 });
    await sleep(50);
    writeFileSync(join(dir, 'other.yaml'), 'b: 1\n');
    renameSync(join(dir, 'other.yaml'), join(dir, 'other2.yaml'));
    await sleep(400);
    expect(c.count).toBe(0);
    // Still alive: a real change is seen afterwards.
    const seen = c.next();
    writeFileSync(file, 'a: 4\n');
    await seen;
  });

  it('sees a Kubernetes-style symlink swap of the directory holding the real file', async () => {
    // gateway.yaml -> ..data/gateway.yaml, ..data -> v1; an update points ..data at v2 by renaming a new link over it.
    for (const v of ['v1', 'v2']) {
      mkdirSync(join(dir, v));
      writeFileSync(join(dir, v, 'gateway.yaml'), `version: ${v}\n`);
    }
    rmSync(file);
    symlinkSync('v1', join(dir, '..data'));
    symlinkSync(join('..data', 'gateway.yaml'), file);
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 50 });
    await sleep(50);
    const seen = c.next();
    symlinkSync('v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await seen;
    expect(c.count).toBe(1);
  });

  it('stops calling after close', async () => {
    const c = counter();
    watcher = watchConfig(file, c.onChange, { debounceMs: 50 });
    await sleep(50);
    watcher.close();
    writeFileSync(file, 'a: 5\n');
    await sleep(300);
    expect(c.count).toBe(0);
  });
});

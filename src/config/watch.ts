// Watches the config file for changes, the way editors and deploy tools really write it (rename over, symlink swap).
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export interface WatchOptions {
  /** Quiet time before onChange fires; editors write a file in several steps. */
  readonly debounceMs?: number;
  /** Errors of the directory watcher itself (e.g. the directory was removed); ignored when absent. */
  readonly onError?: (err: Error) => void;
}

export interface ConfigWatcher {
  close(): void;
}

/**
 * Calls `onChange` (debounced) when `file` changes. The directory is watched, not the file: a write-then-rename
 * replaces the file's inode, which a watch on the file itself stops seeing. Events for other names in the
 * directory still count when the file's identity (inode, size, times) changed, which catches symlink swaps
 * such as Kubernetes ConfigMap updates.
 */
export function watchConfig(file: string, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  const path = resolve(file);
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 100;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let named = false;
  let last: string | null = null;
  let checking = Promise.resolve();

  const identity = async (): Promise<string | null> => {
    try {
      const s = await stat(path);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch {
      return null;
    }
  };
  // The starting identity; the chain keeps comparisons in order.
  checking = identity().then((id) => {
    last = id;
  });

  const fire = () => {
    timer = undefined;
    const sawName = named;
    named = false;
    checking = checking.then(async () => {
      const id = await identity();
      const changed = id !== last;
      last = id;
      if (!closed && (sawName || changed)) onChange();
    });
  };

  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
    if (closed) return;
    // Some platforms do not report the name; then any event may be ours.
    if (filename === null || filename.toString() === name) named = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
  watcher.on('error', (err) => options.onError?.(err));

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

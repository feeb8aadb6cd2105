// One watched file: the change signal behind gateway.yaml, rule and API-key files, list and feed files, geo databases.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Closable } from '../core/resources.js';

export interface WatchOptions {
  /** Quiet time before onChange fires; editors and downloaders write a file in several steps. */
  readonly debounceMs?: number;
  /** Errors of the directory watcher itself (e.g. the directory was removed); ignored when absent. */
  readonly onError?: (err: Error) => void;
}

/**
 * Calls `onChange` (debounced) when the file changes, the way editors and deploy tools really write it. The
 * directory is watched, not the file: a write-then-rename replaces the file's inode, which a watch on the
 * file itself stops seeing. Events for other names in the directory still count when the file's identity
 * (inode, size, times) changed, which catches symlink swaps such as Kubernetes ConfigMap updates.
 *
 * Whoever owns the content decides what a change means: a geo database or a list file re-reads itself (the
 * previous content stays when the new one is refused); gateway.yaml, rule files and API-key files reload the
 * whole configuration (a bad file is refused like a bad gateway.yaml). As a Resource, a file the
 * configuration in service no longer names stops being watched after the swap.
 */
export class WatchedFile implements Closable {
  readonly path: string;
  private readonly name: string;
  private readonly debounceMs: number;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** An event named the file itself since the last check (not just something else in its directory). */
  private named = false;
  private last: string | null = null;
  /** Comparisons run in order, each against the identity the previous one saw. */
  private checking: Promise<void>;
  private readonly watcher: FSWatcher;

  constructor(
    file: string,
    private readonly onChange: () => void,
    options: WatchOptions = {},
  ) {
    this.path = resolve(file);
    this.name = basename(this.path);
    this.debounceMs = options.debounceMs ?? 100;
    this.checking = this.identity().then((id) => {
      this.last = id;
    });
    this.watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
      if (this.closed) return;
      // Some platforms do not report the name; then any event may be ours.
      if (filename === null || filename.toString() === this.name) this.named = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fire(), this.debounceMs);
    });
    this.watcher.on('error', (err) => options.onError?.(err));
  }

  private async identity(): Promise<string | null> {
    try {
      const s = await stat(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch {
      return null;
    }
  }

  private fire(): void {
    this.timer = undefined;
    const sawName = this.named;
    this.named = false;
    this.checking = this.checking.then(async () => {
      const id = await this.identity();
      const changed = id !== this.last;
      this.last = id;
      if (!this.closed && (sawName || changed)) this.onChange();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher.close();
  }
}

// List and feed files as long-lived resources: parsed at open, re-parsed when the file changes (a file that
// cannot be read keeps the previous content), and the tries built from them are rebuilt on every change.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Closable } from '../core/resources.js';
import { ConfigKeyError, parsePath } from '../config/key-error.js';
import { WatchedFile } from '../config/watched-file.js';
import type { Logger } from '../telemetry/logger.js';
import { parseList, type ListFormat, type ParsedList } from './parse.js';

export interface ListFileOptions {
  readonly format: ListFormat;
  /** Operator-written lists refuse any bad line; downloaded feeds skip bad lines (logged, counted). */
  readonly strict: boolean;
  readonly watch?: boolean;
  readonly debounceMs?: number;
}

export interface ListFileStatus {
  readonly path: string;
  readonly entries: number;
  readonly skipped_lines: number;
  readonly generation: number;
  readonly last_error: string | null;
}

export class ListFile implements Closable {
  parsed: ParsedList;
  generation = 1;
  lastError: string | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly watcher: WatchedFile | null;
  private pending: Promise<boolean> = Promise.resolve(true);

  constructor(
    readonly path: string,
    readonly label: string,
    private readonly log: Logger,
    private readonly options: ListFileOptions,
  ) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      // Reported at the config key that names the file (`label` is its path, e.g. reputation.deny_files[0]).
      throw new ConfigKeyError(
        [{ path: parsePath(label), message: `cannot read ${path}: ${(err as Error).message}` }],
        {
          cause: err,
        },
      );
    }
    this.parsed = this.parse(text);
    this.watcher =
      options.watch === false
        ? null
        : new WatchedFile(path, () => void this.reload(), {
            debounceMs: options.debounceMs ?? 250,
            onError: (err) => this.log.warn({ err, file: path }, 'list file watcher failed'),
          });
  }

  private parse(text: string): ParsedList {
    const p = parseList(text, this.options.format);
    if (p.badCount > 0) {
      const first = p.bad[0]!;
      const where = `${this.path}:${first.line}: not an IP address or CIDR: ${JSON.stringify(first.text)}`;
      if (this.options.strict) {
        throw new ConfigKeyError([{ path: parsePath(this.label), message: `${where} (${p.badCount} bad line(s))` }]);
      }
      this.log.warn({ file: this.path, skipped: p.badCount, first: where }, 'feed lines skipped');
    }
    return p;
  }

  /** Re-reads the file; on failure the previous content stays. Listeners hear every successful change. */
  reload(): Promise<boolean> {
    this.pending = this.pending.then(async () => {
      try {
        this.parsed = this.parse(await readFile(this.path, 'utf8'));
        this.generation++;
        this.lastError = null;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.log.error({ file: this.path, problem: this.lastError }, 'list file refused; the previous one stays');
        return false;
      }
      this.log.info({ file: this.path, entries: this.parsed.list.size }, 'list file reloaded');
      for (const l of [...this.listeners]) l();
      return true;
    });
    return this.pending;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  status(): ListFileStatus {
    return {
      path: this.path,
      entries: this.parsed.list.size,
      skipped_lines: this.parsed.badCount,
      generation: this.generation,
      last_error: this.lastError,
    };
  }

  close(): void {
    this.watcher?.close();
    this.listeners.clear();
  }
}

/**
 * Holds what is built from files and keeps it current: rebuilt whenever one of the files changes. The
 * subscription holds the holder weakly, so the holder of a replaced config is collected with its snapshot.
 */
export class Rebuilt<T> {
  current: T;

  constructor(
    private readonly build: () => T,
    files: readonly ListFile[],
    private readonly log: Logger,
  ) {
    this.current = build();
    const ref = new WeakRef(this);
    for (const f of files) {
      const unsubscribe = f.onChange(() => {
        const holder = ref.deref();
        if (holder === undefined) unsubscribe();
        else holder.rebuild();
      });
    }
  }

  rebuild(): void {
    try {
      this.current = this.build();
    } catch (err) {
      this.log.error({ err }, 'rebuilding from list files failed; the previous lists stay');
    }
  }
}

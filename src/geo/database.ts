// A long-lived, self-reloading MaxMind DB reader: verified before first use and before every swap; a file
// that fails verification is refused (logged, kept in lastError) and the previous database keeps serving.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import type { Closable } from '../core/resources.js';
import { ConfigKeyError, parsePath } from '../config/key-error.js';
import { WatchedFile } from '../config/watched-file.js';
import type { Logger } from '../telemetry/logger.js';
import { verifyDatabase, type DatabaseInfo } from './mmdb-verify.js';

/** The CC0 country database shipped as a dependency: geo rules work with no download. */
export const EMBEDDED_DATABASE = createRequire(import.meta.url).resolve(
  '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
);

export type AnyRecord = Response & Record<string, unknown>;

interface Loaded {
  readonly reader: Reader<AnyRecord>;
  readonly info: DatabaseInfo;
  readonly loadedAt: number;
}

export interface DatabaseStatus {
  readonly path: string;
  readonly type: string;
  readonly build_epoch: number;
  readonly loaded_at: string;
  readonly generation: number;
  readonly reloads: { readonly success: number; readonly failure: number };
  readonly last_error: string | null;
}

function load(buf: Buffer): Loaded {
  const info = verifyDatabase(buf);
  return { reader: new Reader<AnyRecord>(buf), info, loadedAt: Date.now() };
}

export interface DatabaseOptions {
  /** Reload when the file changes (default true). */
  readonly watch?: boolean;
  /** Quiet time after the last change before reloading (writers copy in several steps). */
  readonly debounceMs?: number;
}

export class GeoDatabase implements Closable {
  private loaded: Loaded;
  /** Bumped on every successful swap: caches of derived answers compare it. */
  generation = 1;
  lastError: string | null = null;
  private success = 0;
  private failure = 0;
  private readonly watcher: WatchedFile | null;
  private pending: Promise<boolean> = Promise.resolve(true);

  /** Opens and verifies synchronously (config build time). Throws GatewayError with the reason. */
  constructor(
    readonly path: string,
    readonly label: string,
    private readonly log: Logger,
    options: DatabaseOptions = {},
  ) {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (err) {
      throw new ConfigKeyError(
        [{ path: parsePath(label), message: `cannot read ${path}: ${(err as Error).message}` }],
        {
          cause: err,
        },
      );
    }
    try {
      this.loaded = load(buf);
    } catch (err) {
      throw new ConfigKeyError([{ path: parsePath(label), message: `${path} refused: ${(err as Error).message}` }], {
        cause: err,
      });
    }
    this.watcher =
      options.watch === false
        ? null
        : new WatchedFile(path, () => void this.reload(), {
            debounceMs: options.debounceMs ?? 250,
            onError: (err) => this.log.warn({ err, db: path }, 'geo database watcher failed'),
          });
  }

  get reader(): Reader<AnyRecord> {
    return this.loaded.reader;
  }
  get info(): DatabaseInfo {
    return this.loaded.info;
  }

  /** Reads, verifies and swaps in the file's current content. Resolves false when it was refused. */
  reload(): Promise<boolean> {
    this.pending = this.pending.then(async () => {
      try {
        const next = load(await readFile(this.path));
        this.loaded = next;
        this.generation++;
        this.lastError = null;
        this.success++;
        this.log.info({ db: this.path, type: next.info.databaseType }, 'geo database reloaded');
        return true;
      } catch (err) {
        this.failure++;
        this.lastError = `${this.path} refused: ${(err as Error).message}`;
        this.log.error(
          { db: this.path, problem: this.lastError },
          'geo database refused; the previous one stays in service',
        );
        return false;
      }
    });
    return this.pending;
  }

  status(): DatabaseStatus {
    return {
      path: this.path,
      type: this.loaded.info.databaseType,
      build_epoch: this.loaded.info.buildEpoch,
      loaded_at: new Date(this.loaded.loadedAt).toISOString(),
      generation: this.generation,
      reloads: { success: this.success, failure: this.failure },
      last_error: this.lastError,
    };
  }

  close(): void {
    this.watcher?.close();
  }
}

// Watches a file for changes (gateway.yaml and the files it names): a function over the WatchedFile primitive.
import { WatchedFile, type WatchOptions } from './watched-file.js';

export type { WatchOptions } from './watched-file.js';

export interface ConfigWatcher {
  close(): void;
}

/** Calls `onChange` (debounced) when `file` changes; see WatchedFile for what counts as a change. */
export function watchConfig(file: string, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  return new WatchedFile(file, onChange, options);
}

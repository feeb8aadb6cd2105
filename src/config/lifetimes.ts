// Declared lifetimes: which gateway.yaml keys take effect on reload and which only on restart.
import { z } from 'zod';
import { deepFreeze } from './freeze.js';
import { schemaLayers } from './schema-keys.js';
import { carrySource } from './source.js';

export interface LifetimeMeta {
  /** Why a reload cannot apply it (shown in docs/configuration.md and the reload warning's docs). */
  readonly why: string;
}

/**
 * Schemas registered here take effect only on restart; everything else takes effect on reload. The schema
 * marks them (`restartOnly(schema, why)`), so a new key is reloadable unless its author says otherwise where
 * the key is declared.
 */
export const restartOnlyKeys = z.registry<LifetimeMeta>();

/** Marks `schema` restart-only and returns it (for use inline in the schema). */
export function restartOnly<T extends z.core.$ZodType>(schema: T, why: string): T {
  restartOnlyKeys.add(schema, { why });
  return schema;
}

export interface RestartOnlyKey {
  /** Dotted path, e.g. `server.listen`; also the metric label (bounded: it comes from the schema). */
  readonly key: string;
  readonly path: readonly string[];
  readonly why: string;
}

/** Every restart-only key of `schema`, in declaration order (object keys only: lists are whole values). */
export function restartOnlyKeysOf(schema: z.core.$ZodType): readonly RestartOnlyKey[] {
  const found: RestartOnlyKey[] = [];
  const walk = (s: z.core.$ZodType, path: readonly string[]): void => {
    const all = schemaLayers(s);
    const meta = all.map((l) => restartOnlyKeys.get(l)).find((m) => m !== undefined);
    if (meta !== undefined && path.length > 0) {
      found.push(Object.freeze({ key: path.join('.'), path: Object.freeze([...path]), why: meta.why }));
      return; // everything below a restart-only key is restart-only
    }
    const inner = all[all.length - 1]!;
    if (inner instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(inner.shape as Record<string, z.core.$ZodType>)) walk(v, [...path, k]);
    }
  };
  walk(schema, []);
  return Object.freeze(found);
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let v = data;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Loaded configs are plain data in schema order, so equal values serialise equally. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Copies `data` along `path` (the rest is shared) with the value at its end replaced. */
function withValueAt(data: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const obj = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  return { ...obj, [head]: withValueAt(obj[head], rest, value) };
}

export interface Held<C> {
  /** `next` with every restart-only key as it is in `running`: what a reload can actually put in service. */
  readonly config: C;
  /** The restart-only keys whose new values wait for a restart. */
  readonly changed: readonly RestartOnlyKey[];
}

/**
 * Keeps the running values of restart-only keys in a reloaded configuration, so the snapshot describes what
 * is in effect (a new listen address in the file is not one the gateway listens on), and says which changed.
 */
export function holdRestartOnly<C extends object>(keys: readonly RestartOnlyKey[], running: C, next: C): Held<C> {
  const changed = keys.filter((k) => !same(valueAt(running, k.path), valueAt(next, k.path)));
  if (changed.length === 0) return { config: next, changed };
  let config: unknown = next;
  for (const k of changed) config = withValueAt(config, k.path, valueAt(running, k.path));
  const held = deepFreeze(config as C);
  carrySource(next, held); // problems found while building it are still reported in next's file
  return { config: held, changed: Object.freeze(changed) };
}

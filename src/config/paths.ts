// Path-typed config keys: declared with pathString() in the schema, found through the schema (never by key
// name), resolved against the config file's folder at load and checked on disk there (path-check.ts).
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigPath } from './positions.js';
import { closest } from './messages.js';
import { schemaLayers } from './schema-keys.js';

/** read: a file read at load (rules, lists, keys, databases); dir: a folder; write: a file appended to (logs). */
export type PathKind = 'read' | 'dir' | 'write';

export interface PathMeta {
  readonly kind: PathKind;
  /** Words that are not paths (`stdout`, `embedded`): left as they are. */
  readonly keywords: readonly string[];
}

/** Schemas registered here hold filesystem paths; the loader finds them through the schema, never by key name. */
export const pathKeys = z.registry<PathMeta>();

/**
 * A filesystem path in gateway.yaml. Relative paths are relative to the config file's folder (not the working
 * directory), so a config behaves the same wherever `portcullis` is started from.
 */
export function pathString(kind: PathKind, keywords: readonly string[] = []): z.ZodString {
  const s = z.string().min(1);
  pathKeys.add(s, { kind, keywords: Object.freeze([...keywords]) });
  return s;
}

export interface PathValue {
  readonly path: ConfigPath;
  readonly value: string;
  readonly meta: PathMeta;
}

/** Every path-typed value in `data` (a parsed config), found by walking `schema` beside it. */
export function pathValues(schema: z.core.$ZodType, data: unknown): PathValue[] {
  const found: PathValue[] = [];
  const walk = (s: z.core.$ZodType, v: unknown, path: ConfigPath): void => {
    if (v === undefined || v === null) return;
    const layers = schemaLayers(s);
    const meta = layers.map((l) => pathKeys.get(l)).find((m) => m !== undefined);
    if (meta !== undefined) {
      if (typeof v === 'string') found.push({ path, value: v, meta });
      return;
    }
    const inner = layers[layers.length - 1]!;
    if (inner instanceof z.ZodObject && typeof v === 'object') {
      const shape = inner.shape as Record<string, z.core.$ZodType>;
      for (const [k, child] of Object.entries(shape)) walk(child, (v as Record<string, unknown>)[k], [...path, k]);
    } else if (inner instanceof z.ZodArray && Array.isArray(v)) {
      v.forEach((item, i) => walk(inner.element, item, [...path, i]));
    } else if (inner instanceof z.ZodRecord && typeof v === 'object') {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) walk(inner.valueType, item, [...path, k]);
    } else if (inner instanceof z.ZodUnion) {
      // A path inside a union would need the member that matched; none of the schema's unions holds one.
      for (const option of inner.options as readonly z.core.$ZodType[]) {
        if (pathValues(option, v).length > 0) walk(option, v, path);
      }
    }
  };
  walk(schema, data, []);
  return found;
}

/**
 * Rewrites, in place, every relative path of a freshly parsed (not yet frozen) config to an absolute one.
 * Returns the values that look like a mistyped keyword (`stdot`), to be reported.
 */
export function resolvePaths(
  schema: z.core.$ZodType,
  data: unknown,
  baseDir: string,
): { readonly path: ConfigPath; readonly message: string }[] {
  const typos: { path: ConfigPath; message: string }[] = [];
  for (const p of pathValues(schema, data)) {
    if (p.meta.keywords.includes(p.value) || isAbsolute(p.value)) continue;
    // `events: stdot` would otherwise quietly become a file named stdot beside the config.
    const near = /[/\\.]/.test(p.value) ? undefined : closest(p.value, p.meta.keywords);
    if (near !== undefined) {
      typos.push({
        path: p.path,
        message: `"${p.value}" is not one of ${p.meta.keywords.join(', ')} (did you mean "${near}"?); write ./${p.value} for a file of that name`,
      });
    }
    setAt(data, p.path, resolve(baseDir, p.value));
  }
  return typos;
}

function setAt(data: unknown, path: ConfigPath, value: string): void {
  let v = data as Record<PropertyKey, unknown>;
  for (const part of path.slice(0, -1)) v = v[part] as Record<PropertyKey, unknown>;
  v[path[path.length - 1]!] = value;
}

/** Every path-typed key of `schema` (`[]` for list items, `*` for record values), for docs and tests. */
export function pathKeysOf(schema: z.core.$ZodType): { readonly key: string; readonly meta: PathMeta }[] {
  const found: { key: string; meta: PathMeta }[] = [];
  const walk = (s: z.core.$ZodType, key: string, depth: number): void => {
    if (depth > 32) return;
    const layers = schemaLayers(s);
    const meta = layers.map((l) => pathKeys.get(l)).find((m) => m !== undefined);
    if (meta !== undefined) {
      found.push({ key, meta });
      return;
    }
    const inner = layers[layers.length - 1]!;
    const at = (k: string) => (key === '' ? k : `${key}.${k}`);
    if (inner instanceof z.ZodObject) {
      for (const [k, child] of Object.entries(inner.shape as Record<string, z.core.$ZodType>))
        walk(child, at(k), depth + 1);
    } else if (inner instanceof z.ZodArray) {
      walk(inner.element, `${key}[]`, depth + 1);
    } else if (inner instanceof z.ZodRecord) {
      walk(inner.valueType, at('*'), depth + 1);
    } else if (inner instanceof z.ZodUnion) {
      for (const option of inner.options as readonly z.core.$ZodType[]) walk(option, key, depth + 1);
    }
  };
  walk(schema, '', 0);
  return found;
}

// Finds the keys a schema allows at a config path, for "unknown key (allowed: ...)" messages.
import { z } from 'zod';
import type { ConfigPath } from './positions.js';

/**
 * The wrappers zod puts around a declared schema (defaults, optionals, pipes, lazies), outermost first, down to
 * the structural schema inside (the last element). Markers registered on a schema (lifetimes.ts) may sit on any
 * of them.
 */
export function schemaLayers(schema: z.core.$ZodType): z.core.$ZodType[] {
  const out: z.core.$ZodType[] = [schema];
  let s = schema;
  for (let i = 0; i < 32; i++) {
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodReadonly ||
      s instanceof z.ZodCatch ||
      s instanceof z.ZodNonOptional ||
      s instanceof z.ZodLazy
    ) {
      s = s.unwrap();
    } else if (s instanceof z.ZodPipe) {
      s = s.in;
    } else {
      break;
    }
    out.push(s);
  }
  return out;
}

/** Peels defaults, optionals and pipes off a schema until something structural remains. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const all = schemaLayers(schema);
  return all[all.length - 1]!;
}

/** The object keys the schema accepts at `path`, in declaration order; empty when the path is not an object. */
export function allowedKeysAt(schema: z.core.$ZodType, path: ConfigPath): string[] {
  let s = unwrap(schema);
  for (const part of path) {
    if (s instanceof z.ZodObject && typeof part === 'string') {
      const next = (s.shape as Record<string, z.core.$ZodType | undefined>)[part];
      if (!next) return [];
      s = unwrap(next);
    } else if (s instanceof z.ZodArray && typeof part === 'number') {
      s = unwrap(s.element);
    } else if (s instanceof z.ZodRecord) {
      s = unwrap(s.valueType);
    } else {
      return [];
    }
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

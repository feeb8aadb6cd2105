// API key table: SHA-256 of the presented key -> user and tier; built once at load from config and a keys file.
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import { apiKeyEntrySchema, type ApiKeyEntry } from './config.js';

export interface KeyOwner {
  readonly user: string;
  readonly tier: string;
}

/** One-shot crypto.hash (Node >= 20.12): a third of createHash's cost for a key-sized input, per request. */
export function sha256Hex(s: string): string {
  return hash('sha256', s, 'hex');
}

/** Reads a keys file: a YAML/JSON list of {sha256, user, tier}. Problems are config errors, reported at load. */
export function readKeysFile(path: string): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError('GW_ERR_CONFIG_IO', `identity.api_keys.file: cannot read ${path}`, { cause: err });
  }
  const parsed = z.array(apiKeyEntrySchema).safeParse(parse(text));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new GatewayError(
      'GW_ERR_CONFIG',
      `identity.api_keys.file ${path}: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * Lookups hash the presented key first, so the table never holds a usable key and the lookup time does not
 * depend on how much of a guess matches a real key.
 */
export class ApiKeyTable {
  private readonly byHash: ReadonlyMap<string, KeyOwner>;

  constructor(entries: readonly ApiKeyEntry[]) {
    const m = new Map<string, KeyOwner>();
    for (const e of entries) m.set(e.sha256.toLowerCase(), Object.freeze({ user: e.user, tier: e.tier }));
    this.byHash = m;
    Object.freeze(this);
  }

  get size(): number {
    return this.byHash.size;
  }

  lookup(presented: string): KeyOwner | null {
    if (presented.length === 0 || presented.length > 512) return null;
    return this.byHash.get(sha256Hex(presented)) ?? null;
  }
}

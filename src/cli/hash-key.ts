// `portcullis hash-key`: an API key on stdin -> the SHA-256 (hex) that identity.api_keys stores, or a whole entry.
import type { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { apiKeyEntrySchema } from '../identity/config.js';
import { sha256Hex } from '../identity/api-keys.js';
import { readAll } from './stdin.js';

/** ApiKeyTable.lookup's bound: a longer presented key never matches. */
const MAX_KEY_CHARS = 512;

export interface Writer {
  out(s: string): void;
  err(s: string): void;
}

export interface HashKeyArgs {
  readonly user?: string;
  readonly tier?: string;
}

/**
 * What a client can send in a header and the gateway will match: the lookup refuses longer keys, and HTTP
 * trims spaces around a header value and forbids control characters in it, so such a key could never match.
 */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'no key on stdin';
  if (key.length > MAX_KEY_CHARS)
    return `the key is longer than ${MAX_KEY_CHARS} characters; the gateway refuses such keys`;
  if (/^[ \t]|[ \t]$/.test(key))
    return 'the key starts or ends with a space or tab, which HTTP strips from header values';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(key)) return 'the key holds a control character or a line break';
  if (!/^[\u0020-\u007e]*$/.test(key))
    return 'the key holds non-ASCII characters; use printable ASCII (e.g. base64url)';
  return null;
}

/** Exit 0 with the hash (or entry) on stdout; 2 with a message on a key that could never be presented. */
export async function hashKeyCommand(input: Readable, args: HashKeyArgs, w: Writer): Promise<number> {
  const raw = (await readAll(input, 64 * 1024)).toString('utf8');
  // One final line ending is what `echo` and editors add; anything else is part of the key.
  const key = raw.replace(/\r?\n$/, '');
  const problem = keyProblem(key);
  if (problem !== null) {
    w.err(`hash-key: ${problem}`);
    return 2;
  }
  const sha256 = sha256Hex(key);
  if (args.user === undefined) {
    if (args.tier !== undefined) {
      w.err('hash-key: --tier needs --user (an entry names its user)');
      return 2;
    }
    w.out(sha256);
    return 0;
  }
  const entry = apiKeyEntrySchema.safeParse({ sha256, user: args.user, tier: args.tier });
  if (!entry.success) {
    const first = entry.error.issues[0];
    w.err(`hash-key: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
    return 2;
  }
  // A one-line YAML flow item, ready to append under `keys:` or to a keys file.
  w.out(`- ${stringify(entry.data, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`);
  return 0;
}

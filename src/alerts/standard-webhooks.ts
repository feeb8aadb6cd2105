// Standard Webhooks signing (standardwebhooks.com, spec 1.0.0): `whsec_` secrets, message ids, and the
// webhook-id / webhook-timestamp / webhook-signature headers, one `v1,` HMAC-SHA256 signature per secret.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The spec's bounds for a symmetric secret: 24 to 64 random bytes. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

export type SecretResult =
  { readonly ok: true; readonly key: Buffer } | { readonly ok: false; readonly detail: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a `whsec_<base64>` secret. The detail never repeats the secret: the config layer puts it
 * in a message that ends up in logs.
 */
export function parseSecret(text: string): SecretResult {
  if (!text.startsWith(SECRET_PREFIX)) return { ok: false, detail: `a signing secret starts with "${SECRET_PREFIX}"` };
  const b64 = text.slice(SECRET_PREFIX.length);
  // Buffer.from(..., 'base64') skips what it cannot read; a strict check keeps a truncated paste from
  // silently becoming a different key than the receiver's
  if (b64.length === 0 || !BASE64.test(b64)) {
    return { ok: false, detail: `the part after "${SECRET_PREFIX}" is not base64 (A-Z a-z 0-9 + /, = padding)` };
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) {
    return {
      ok: false,
      detail: `a signing secret is ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes, this one is ${key.length}`,
    };
  }
  return { ok: true, key };
}

export type SecretsResult =
  | { readonly ok: true; readonly keys: readonly Buffer[] }
  | { readonly ok: false; readonly index: number; readonly detail: string };

/** Every configured secret (rotation: the new one and the old ones still accepted); at least one. */
export function parseSecrets(texts: readonly string[]): SecretsResult {
  if (texts.length === 0) return { ok: false, index: -1, detail: 'at least one signing secret is needed' };
  const keys: Buffer[] = [];
  for (let i = 0; i < texts.length; i++) {
    const r = parseSecret(texts[i]!);
    if (!r.ok) return { ok: false, index: i, detail: r.detail };
    keys.push(r.key);
  }
  return { ok: true, keys: Object.freeze(keys) };
}

/**
 * A new message id: `msg_` and 128 random bits in base64url. It never holds a '.', which would make the
 * signed content `id.timestamp.body` ambiguous (the spec's warning).
 */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The `webhook-signature` value: `v1,<base64>` per key, space separated. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestampS: number, body: string): string {
  if (id.includes('.') || !Number.isSafeInteger(timestampS)) throw new Error('message id or timestamp unfit to sign');
  const content = `${id}.${timestampS}.${body}`;
  return keys.map((k) => `v1,${createHmac('sha256', k).update(content, 'utf8').digest('base64')}`).join(' ');
}

export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * The three headers of one attempt. The timestamp is the attempt's (a retry gets a fresh one, so a receiver's
 * replay window keeps working); the id is the message's and stays the same across retries and re-sends.
 */
export function webhookHeaders(keys: readonly Buffer[], id: string, nowMs: number, body: string): WebhookHeaders {
  const ts = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signatureHeader(keys, id, ts, body),
  };
}

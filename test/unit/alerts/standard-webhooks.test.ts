// Standard Webhooks signing checked against the `standardwebhooks` package (a verifier no one here wrote):
// secrets, the signature of known content, key rotation, tampering and message ids.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  newMessageId,
  parseSecret,
  parseSecrets,
  signatureHeader,
  webhookHeaders,
} from '../../../src/alerts/standard-webhooks.js';

const secret = (bytes = 32): string => `whsec_${randomBytes(bytes).toString('base64')}`;
const keyOf = (s: string): Buffer => {
  const r = parseSecret(s);
  if (!r.ok) throw new Error(r.detail);
  return r.key;
};

describe('parseSecret', () => {
  it('reads whsec_<base64> as the key bytes', () => {
    const bytes = randomBytes(32);
    const r = parseSecret(`whsec_${bytes.toString('base64')}`);
    expect(r.ok && r.key.equals(bytes)).toBe(true);
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64'), 'starts with "whsec_"'],
    ['other prefix', `whsk_${randomBytes(32).toString('base64')}`, 'starts with "whsec_"'],
    ['empty', 'whsec_', 'not base64'],
    ['base64url alphabet', `whsec_${'-_'.repeat(22)}ab==`, 'not base64'],
    ['bad padding', `whsec_${randomBytes(32).toString('base64').replace(/=+$/, '')}`, 'not base64'],
    [
      'a space inside',
      `whsec_${randomBytes(16).toString('base64')} ${randomBytes(16).toString('base64')}`,
      'not base64',
    ],
    ['too short (23 bytes)', secret(23), 'this one is 23'],
    ['too long (65 bytes)', secret(65), 'this one is 65'],
  ])('refuses %s', (_name, text, detail) => {
    const r = parseSecret(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.detail).toContain(detail);
      expect(r.detail).not.toContain(text.slice(6, 20) || '\u0000');
    }
  });

  it('accepts the bounds, 24 and 64 bytes', () => {
    expect(parseSecret(secret(24)).ok).toBe(true);
    expect(parseSecret(secret(64)).ok).toBe(true);
  });

  it('parseSecrets names the first bad one and wants at least one', () => {
    expect(parseSecrets([secret(), 'nope', 'nope either'])).toMatchObject({ ok: false, index: 1 });
    expect(parseSecrets([])).toMatchObject({ ok: false, index: -1 });
    const r = parseSecrets([secret(), secret()]);
    expect(r.ok && r.keys.length).toBe(2);
  });
});

describe('signing', () => {
  it('signs id.timestamp.body as the reference library does', () => {
    const s = secret();
    const body = '{"schema":"portcullis.alert/1","text":"é ✓ 😀"}';
    const ts = 1_674_087_231;
    const ours = signatureHeader([keyOf(s)], 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', ts, body);
    expect(ours).toBe(new Webhook(s).sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', new Date(ts * 1000), body));
    expect(ours).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('one v1 signature per key, space separated; each key alone verifies, a removed one does not', () => {
    const [old, current, next] = [secret(), secret(), secret()];
    const body = JSON.stringify({ hello: 'world' });
    const headers = webhookHeaders([keyOf(current), keyOf(next)], newMessageId(), Date.now(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual({ hello: 'world' });
    expect(new Webhook(next).verify(body, { ...headers })).toEqual({ hello: 'world' });
    expect(() => new Webhook(old).verify(body, { ...headers })).toThrow(/No matching signature/);
  });

  it('a changed body, id or timestamp fails verification', () => {
    const s = secret();
    const body = '{"a":1}';
    const headers = webhookHeaders([keyOf(s)], newMessageId(), Date.now(), body);
    expect(() => new Webhook(s).verify('{"a":2}', { ...headers })).toThrow(/No matching signature/);
    expect(() => new Webhook(s).verify(body, { ...headers, 'webhook-id': newMessageId() })).toThrow(/No matching/);
    const ts = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => new Webhook(s).verify(body, { ...headers, 'webhook-timestamp': ts })).toThrow(/No matching/);
  });

  it('message ids are unique and never hold a dot; an id with one is refused as a fault', () => {
    const ids = new Set(Array.from({ length: 1000 }, newMessageId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(() => signatureHeader([keyOf(secret())], 'msg.1', 1, '')).toThrow();
  });
});

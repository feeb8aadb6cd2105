// X-Request-ID: taken from a trusted peer when well-formed, generated otherwise.
import { randomUUID } from 'node:crypto';

const VALID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestId(incoming: string | string[] | undefined, peerTrusted: boolean): string {
  if (peerTrusted && typeof incoming === 'string' && VALID.test(incoming)) return incoming;
  return randomUUID();
}

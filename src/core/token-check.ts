// Bearer-token check for the admin token: constant-time comparison against every configured token. In core/
// because the admin listener, the trust check (its breakdown header) and the modules' admin handlers ask it.
import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenCheck = (authorization: string | undefined) => boolean;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Tokens are compared as SHA-256 digests so lengths leak nothing; every token is tried (rotation). */
export function buildTokenCheck(tokens: readonly string[]): TokenCheck | null {
  const usable = tokens.filter((t) => t.length > 0).map(digest);
  if (usable.length === 0) return null;
  return (authorization) => {
    if (authorization === undefined || !/^Bearer /i.test(authorization)) return false;
    const given = digest(authorization.slice(7).trim());
    let ok = false;
    for (const t of usable) ok = timingSafeEqual(given, t) || ok;
    return ok;
  };
}

/** Which token made a call, without revealing it: the first 12 hex digits of its SHA-256 (for audit lines). */
export function tokenIdOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined || !/^Bearer /i.test(authorization)) return undefined;
  return createHash('sha256').update(authorization.slice(7).trim()).digest('hex').slice(0, 12);
}

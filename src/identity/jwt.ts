// JWT verification (jose: HS256 / RS256 / ES256, keys from a JWKS file), with a cache of verified tokens.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import { ConfigKeyError } from '../config/key-error.js';
import type { IdentityConfig } from './config.js';

export type JwtFailure = 'expired' | 'invalid';

export type JwtResult =
  | { readonly ok: true; readonly user: string; readonly tier: string }
  | { readonly ok: false; readonly code: JwtFailure };

interface Cached {
  readonly result: JwtResult;
  /** Clock ms after which this entry must not be used (token expiry, or the negative-cache horizon). */
  readonly until: number;
}

/** Refused tokens are remembered this long, so a flood of one forged token costs one signature check. */
const NEGATIVE_MS = 60_000;
const MAX_TOKEN_CHARS = 8_192;

/** Reads and checks a JWKS file at load; a problem is reported at identity.jwt.jwks_file. */
export function readJwks(path: string): JSONWebKeySet {
  try {
    const jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
    createLocalJWKSet(jwks); // throws on anything that is not a JWKS
    return jwks;
  } catch (err) {
    const message = `cannot read a JWKS (JSON) from ${path}: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigKeyError([{ path: ['identity', 'jwt', 'jwks_file'], message }], { cause: err });
  }
}

export class JwtVerifier {
  private readonly cache: LRUCache<string, Cached>;
  private readonly key: Parameters<typeof jwtVerify>[1];
  private readonly options: Parameters<typeof jwtVerify>[2];
  private readonly userClaim: string;
  private readonly tierClaim: string;
  private readonly defaultTier: string;
  private readonly toleranceMs: number;

  constructor(
    cfg: IdentityConfig['jwt'],
    private readonly clock: Clock,
    jwks: JSONWebKeySet | null,
  ) {
    const secret = cfg.hs256_secret !== undefined ? new TextEncoder().encode(cfg.hs256_secret) : null;
    const set = jwks !== null ? createLocalJWKSet(jwks) : null;
    // The algorithm list is enforced by jwtVerify; the key source follows the (already allowed) header alg.
    this.key = async (header, token) => {
      if (header.alg === 'HS256') {
        if (secret === null) throw new errors.JOSENotSupported('HS256 not configured');
        return secret;
      }
      if (set === null) throw new errors.JWKSNoMatchingKey();
      return set(header, token);
    };
    this.options = {
      algorithms: [...cfg.algorithms],
      ...(cfg.issuer !== undefined ? { issuer: cfg.issuer } : {}),
      ...(cfg.audience !== undefined ? { audience: cfg.audience } : {}),
      clockTolerance: cfg.clock_tolerance_s,
      requiredClaims: ['exp'],
    };
    this.cache = new LRUCache({ max: cfg.cache_max });
    this.userClaim = cfg.user_claim;
    this.tierClaim = cfg.tier_claim;
    this.defaultTier = cfg.default_tier;
    this.toleranceMs = cfg.clock_tolerance_s * 1000;
  }

  /** A cached answer, or null when the token must be verified. Synchronous: the hot path for repeat tokens. */
  cached(token: string): JwtResult | null {
    const hit = this.cache.get(token);
    if (hit === undefined) return null;
    if (this.clock.now() < hit.until) return hit.result;
    this.cache.delete(token);
    // A verified token that ran out is expired; a negative entry that ran out is verified afresh.
    return hit.result.ok ? { ok: false, code: 'expired' } : null;
  }

  async verify(token: string): Promise<JwtResult> {
    const now = this.clock.now();
    if (token.length > MAX_TOKEN_CHARS) return { ok: false, code: 'invalid' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { ...this.options, currentDate: new Date(now) }));
    } catch (err) {
      const code: JwtFailure = err instanceof errors.JWTExpired ? 'expired' : 'invalid';
      const result: JwtResult = { ok: false, code };
      this.cache.set(token, { result, until: now + NEGATIVE_MS });
      return result;
    }
    const user = payload[this.userClaim];
    if (typeof user !== 'string' || user.length === 0 || user.length > 256) {
      const result: JwtResult = { ok: false, code: 'invalid' };
      this.cache.set(token, { result, until: now + NEGATIVE_MS });
      return result;
    }
    const tierClaim = payload[this.tierClaim];
    const tier =
      typeof tierClaim === 'string' && /^[a-z][a-z0-9_]{0,31}$/.test(tierClaim) ? tierClaim : this.defaultTier;
    const result: JwtResult = { ok: true, user, tier };
    this.cache.set(token, { result, until: (payload.exp ?? 0) * 1000 + this.toleranceMs });
    return result;
  }
}

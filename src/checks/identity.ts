// Identity check (headers phase): API key or JWT -> user and tier; bad credentials are 401, never anonymous.
import type { Check } from '../core/check.js';
import type { RequestContext, Identity } from '../core/context.js';
import { PASS, type TerminalVerdict, type Verdict } from '../core/verdict.js';
import type { GatewayConfig } from '../config/schema.js';
import { ApiKeyTable, readKeysFile } from '../identity/api-keys.js';
import { JwtVerifier, readJwks, type JwtResult } from '../identity/jwt.js';
import type { CheckDeps } from './deps.js';

const refusal = (code: string, wwwAuthenticate: string): TerminalVerdict =>
  Object.freeze({
    kind: 'challenge',
    status: 401,
    reasons: Object.freeze([`identity:${code}`]),
    headers: Object.freeze({ 'www-authenticate': wwwAuthenticate }),
  });

const BAD_KEY = refusal('invalid_api_key', 'ApiKey realm="portcullis"');
const BAD_TOKEN = refusal('invalid_token', 'Bearer realm="portcullis", error="invalid_token"');
const EXPIRED_TOKEN = refusal(
  'expired_token',
  'Bearer realm="portcullis", error="invalid_token", error_description="expired"',
);

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function buildIdentityCheck(config: GatewayConfig, deps: CheckDeps): Check | null {
  const c = config.identity;
  if (c.mode === 'off') return null;
  // Key and JWKS files are part of the configuration: an edit reloads it, a bad file is refused like a bad
  // gateway.yaml (the keys in service stay).
  if (c.api_keys.file !== undefined) deps.watch?.(c.api_keys.file);
  if (c.jwt.enabled && c.jwt.jwks_file !== undefined) deps.watch?.(c.jwt.jwks_file);
  const tiers = new Set(Object.keys(config.rate_limits.tiers));
  // Both files are read even when the first is refused, so one load reports the problems of both.
  const failed: unknown[] = [];
  const attempt = <T>(read: () => T, otherwise: T): T => {
    try {
      return read();
    } catch (err) {
      failed.push(err);
      return otherwise;
    }
  };
  const { file } = c.api_keys;
  const jwksFile = c.jwt.enabled ? c.jwt.jwks_file : undefined;
  const fromFile = file !== undefined ? attempt(() => readKeysFile(file, tiers), []) : [];
  const jwks = jwksFile !== undefined ? attempt(() => readJwks(jwksFile), null) : null;
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, 'identity files refused');
  const entries = [...c.api_keys.keys, ...fromFile];
  const keys = new ApiKeyTable(entries);
  const keyHeader = c.api_keys.header.toLowerCase();
  const jwt = c.jwt.enabled ? new JwtVerifier(c.jwt, deps.clock, jwks) : null;
  if (keys.size === 0 && jwt === null) return null;
  const fromJwt = (ctx: RequestContext, r: JwtResult): Verdict => {
    if (!r.ok) return r.code === 'expired' ? EXPIRED_TOKEN : BAD_TOKEN;
    ctx.identity = Object.freeze({ user: r.user, tier: r.tier, method: 'jwt' }) satisfies Identity;
    return PASS;
  };
  return Object.freeze({
    name: 'identity',
    phase: 'headers',
    mode: c.mode,
    run(ctx: RequestContext): Verdict | Promise<Verdict> {
      if (keys.size !== 0) {
        const presented = single(ctx.headers[keyHeader]);
        if (presented !== undefined) {
          const owner = keys.lookup(presented);
          if (owner === null) return BAD_KEY;
          ctx.identity = Object.freeze({ user: owner.user, tier: owner.tier, method: 'api_key' }) satisfies Identity;
          return PASS;
        }
      }
      if (jwt !== null) {
        const auth = ctx.headers.authorization;
        if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
          const token = auth.slice(7).trim();
          const hit = jwt.cached(token);
          if (hit !== null) return fromJwt(ctx, hit);
          return jwt.verify(token).then((r) => fromJwt(ctx, r));
        }
      }
      return PASS;
    },
  } satisfies Check);
}
